/**
 * Receiving a push stream (sync/PROTOCOL.md, `POST /sync/v1/push`): the PUSH header, then OBJECT
 * frames, each hash-checked and parsed as it arrives and handed to the store at once, then END.
 * Whatever happens — a bad frame, a bound crossed, the client gone — the objects that arrived and
 * checked are stored (a resumed push asks `has` and does not send them again) and no ref moves.
 * They are held from garbage collection (a `WriteHold`) until the push ends, landed or not; then
 * they are garbage like any other unreferenced object until a ref names them.
 */
import { checkObject } from '../../core/fsck.js'
import type { Repo } from '../../core/index.js'
import { WriteHold } from '../../core/write-hold.js'
import { BadRequestError, SyncError, TruncatedStreamError } from '../errors.js'
import { decodeFrames, FrameKind, MAX_FRAME } from '../frames.js'
import { parsePushHeader, type PushHeader, type PushResult } from '../push-header.js'
import { movePushedRef } from './push-move.js'

export interface PushBounds {
  /** Largest frame payload (PROTOCOL.md: 128 MiB). */
  readonly maxFrame: number
  /** Most OBJECT frames in one push (1,000,000). */
  readonly maxPushObjects: number
  /** Most object bytes in one push (4 GiB). */
  readonly maxPushBytes: number
}

export const DEFAULT_PUSH_BOUNDS: PushBounds = { maxFrame: MAX_FRAME, maxPushObjects: 1_000_000, maxPushBytes: 4 * 1024 ** 3 }

/** What a push did: the ref's outcome and what it stored. */
export interface ReceivedPush extends PushResult {
  readonly objects: number
  readonly bytes: number
}

/** Reads a push stream from `body`, stores its objects and moves the ref; throws a `SyncError` on refusal. */
export async function receivePush(repo: Repo<Uint8Array>, body: AsyncIterable<Uint8Array>, bounds: PushBounds = DEFAULT_PUSH_BOUNDS): Promise<ReceivedPush> {
  const hold = new WriteHold(repo)
  try {
    const { header, objects, bytes } = await storeObjects(repo, hold, body, bounds)
    return { ...(await movePushedRef(repo, hold, header)), objects, bytes }
  } finally {
    hold.release()
  }
}

async function storeObjects(repo: Repo<Uint8Array>, hold: WriteHold<Uint8Array>, body: AsyncIterable<Uint8Array>, bounds: PushBounds) {
  const writer = hold.writer()
  let header: PushHeader | undefined
  let objects = 0
  let bytes = 0
  try {
    for await (const frame of decodeFrames(connection(body), { maxFrame: bounds.maxFrame, hasher: repo.objects.hasher })) {
      if (header === undefined) {
        if (frame.kind !== FrameKind.push) throw new BadRequestError('a push stream starts with a PUSH frame')
        header = parsePushHeader(frame.json)
        continue
      }
      switch (frame.kind) {
        case FrameKind.object: {
          const problem = checkObject(repo.objects, frame.id, frame.bytes)
          if (problem !== undefined) throw new BadRequestError(`not a valid git object: ${problem}`)
          objects++
          bytes += frame.bytes.length
          if (objects > bounds.maxPushObjects) throw new SyncError('ETOOLARGE', `a push of more than ${bounds.maxPushObjects} objects is over the limit`, { limit: bounds.maxPushObjects })
          if (bytes > bounds.maxPushBytes) throw new SyncError('ETOOLARGE', `a push of more than ${bounds.maxPushBytes} bytes is over the limit`, { limit: bounds.maxPushBytes })
          writer.add(frame.id, frame.bytes)
          break
        }
        case FrameKind.progress:
          break
        case FrameKind.end: {
          const sent = (frame.json as { objects?: unknown } | null)?.objects
          if (sent !== objects) throw new BadRequestError(`the END frame counts ${JSON.stringify(sent)} objects, ${objects} arrived`)
          return { header, objects, bytes }
        }
        case FrameKind.error:
          throw new TruncatedStreamError(`the client gave up: ${JSON.stringify(frame.json)}`)
        default:
          throw new BadRequestError(`a push stream carries no frame of kind 0x${frame.kind.toString(16)}`)
      }
    }
    throw new TruncatedStreamError('it ended without an END frame')
  } finally {
    // What arrived checked is kept, landed or not: a resumed push need not send it again.
    await writer.finish()
  }
}

/** The request body, where a connection that closed mid-way is a truncated stream. */
async function* connection(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* body
  } catch (error) {
    if (error instanceof SyncError) throw error
    throw new TruncatedStreamError(`the connection closed (${(error as Error).message})`)
  }
}
