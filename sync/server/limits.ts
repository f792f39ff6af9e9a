/** The bounds the sync server keeps (sync/PROTOCOL.md, "Bounds the server keeps"). */
import { MAX_FRAME } from '../frames.js'

export interface SyncLimits {
  /** Bytes of a JSON request body. */
  readonly jsonBody: number
  /** Bytes of one frame's payload. */
  readonly frame: number
  /** Ids in a fetch's `wants`. */
  readonly wants: number
  /** Ids in a fetch's `haves`. */
  readonly haves: number
  /** Ids in one `objects` request. */
  readonly objectIds: number
  /** Ids in one `has` request. */
  readonly hasIds: number
  /** Objects in one push. */
  readonly pushObjects: number
  /** Bytes of one push. */
  readonly pushBytes: number
}

export const DEFAULT_LIMITS: SyncLimits = {
  jsonBody: 16 * 1024 * 1024,
  frame: MAX_FRAME,
  wants: 10_000,
  haves: 100_000,
  objectIds: 10_000,
  hasIds: 100_000,
  pushObjects: 1_000_000,
  pushBytes: 4 * 1024 * 1024 * 1024,
}
