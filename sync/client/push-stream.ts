/**
 * A push stream's bytes (browser-safe): the PUSH header, the objects read from the local store a
 * batch at a time as the request body is pulled, then END. A few batches are read ahead (so
 * nothing larger than those sits in memory): where each read is a round trip of its own (an
 * IndexedDB transaction), they overlap. Progress is reported as each batch goes out.
 */
import { MissingObjectError } from '../../core/errors.js'
import type { ObjectStore } from '../../core/object-store.js'
import { encodeFrame, FrameKind } from '../frames.js'
import type { PushHeader } from '../push-header.js'

export interface PushProgress {
  /** Objects and bytes sent so far, and in all. */
  readonly objects: number
  readonly bytes: number
  readonly totalObjects: number
}

const BATCH = 256
/** Batches read ahead of the one being framed. */
const READ_AHEAD = 3
const CHUNK = 64 * 1024

/** Reads framed objects by id (undefined: absent). */
export type ReadObjects = (ids: readonly string[]) => Promise<Array<Uint8Array | undefined>>

/**
 * The stream's chunks: frames gathered up to CHUNK bytes (not one write per frame). `read`
 * (default: the store's backend) is where the bytes come from.
 */
export async function* pushStream(
  objects: ObjectStore,
  header: PushHeader,
  ids: readonly string[],
  onProgress?: (progress: PushProgress) => void,
  read: ReadObjects = batch => objects.backend.getObjects(batch),
): AsyncGenerator<Uint8Array> {
  yield encodeFrame({ kind: FrameKind.push, json: header })
  let sent = 0
  let bytes = 0
  let pending: Uint8Array[] = []
  let size = 0
  const ahead: Array<Promise<Array<Uint8Array | undefined>>> = []
  let readFrom = 0
  const readNext = () => {
    if (readFrom >= ids.length) return
    const batch = read(ids.slice(readFrom, readFrom + BATCH))
    batch.catch(() => {}) // observed when its turn comes; a stream given up early leaves it unobserved
    ahead.push(batch)
    readFrom += BATCH
  }
  for (let k = 0; k <= READ_AHEAD; k++) readNext()
  for (let start = 0; start < ids.length; start += BATCH) {
    const batch = ids.slice(start, start + BATCH)
    const found = await ahead.shift()!
    readNext()
    for (let i = 0; i < batch.length; i++) {
      const framed = found[i]
      if (framed === undefined) throw new MissingObjectError(batch[i], 'pushing')
      const frame = encodeFrame({ kind: FrameKind.object, id: batch[i], bytes: framed })
      pending.push(frame)
      size += frame.length
      sent++
      bytes += frame.length
      if (size >= CHUNK || i === batch.length - 1) {
        yield concat(pending)
        pending = []
        size = 0
        onProgress?.({ objects: sent, bytes, totalObjects: ids.length })
      }
    }
  }
  yield encodeFrame({ kind: FrameKind.end, json: { objects: sent } })
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
