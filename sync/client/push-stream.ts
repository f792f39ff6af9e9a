/**
 * A push stream's bytes (browser-safe): the PUSH header, the objects read from the local store a
 * batch at a time as the request body is pulled (so nothing larger than a batch sits in memory),
 * then END. Progress is reported as each object goes out.
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

export async function* pushStream(objects: ObjectStore, header: PushHeader, ids: readonly string[], onProgress?: (progress: PushProgress) => void): AsyncGenerator<Uint8Array> {
  yield encodeFrame({ kind: FrameKind.push, json: header })
  let sent = 0
  let bytes = 0
  for (let start = 0; start < ids.length; start += BATCH) {
    const batch = ids.slice(start, start + BATCH)
    const read = await objects.backend.getObjects(batch)
    for (let i = 0; i < batch.length; i++) {
      const framed = read[i]
      if (framed === undefined) throw new MissingObjectError(batch[i], 'pushing')
      const frame = encodeFrame({ kind: FrameKind.object, id: batch[i], bytes: framed })
      sent++
      bytes += frame.length
      yield frame
    }
    onProgress?.({ objects: sent, bytes, totalObjects: ids.length })
  }
  yield encodeFrame({ kind: FrameKind.end, json: { objects: sent } })
}
