/**
 * Receiving a push stream (sync/PROTOCOL.md, `POST /sync/v1/push`): the PUSH header, then OBJECT
 * frames, each hash-checked and parsed as it arrives and handed to the store at once, then END.
 * Whatever happens — a bad frame, a bound crossed, the client gone — the objects that arrived and
 * checked are stored (a resumed push asks `has` and does not send them again) and no ref moves.
 * They are held from garbage collection (a `WriteHold`) until the push ends, landed or not; then
 * they are garbage like any other unreferenced object until a ref names them.
 */
import type { Repo } from '../../core/index.js'
import { WriteHold } from '../../core/write-hold.js'
import { BadRequestError, SyncError, TruncatedStreamError } from '../errors.js'
import { decodeFrames, FrameKind } from '../frames.js'
import { parsePushHeader, type PushHeader, type PushResult } from '../push-header.js'
import type { SyncServerContext } from './context.js'
import type { SyncLimits } from './limits.js'
import { movePushedRef } from './push-move.js'
import { PushedObjects } from './pushed-objects.js'

/** What a push did: the ref's outcome and what it stored. */
export interface ReceivedPush extends PushResult {
  readonly objects: number
  readonly bytes: number
}

/** Reads a push stream from `body`, stores its objects and moves the ref; throws a `SyncError` on refusal. */
export async function receivePush(ctx: SyncServerContext, body: AsyncIterable<Uint8Array>): Promise<ReceivedPush> {
  const hold = new WriteHold(ctx.repo)
  try {
    const { header, objects, bytes } = await storeObjects(ctx.repo, hold, body, ctx.limits)
    return { ...(await movePushedRef(ctx, hold, header)), objects, bytes }
  } finally {
    hold.release()
  }
}

async function storeObjects(repo: Repo<Uint8Array>, hold: WriteHold<Uint8Array>, body: AsyncIterable<Uint8Array>, limits: SyncLimits) {
  const intake = new PushedObjects(repo, hold, limits)
  let header: PushHeader | undefined
  try {
    for await (const frame of decodeFrames(connection(body), { maxFrame: limits.frame, hasher: repo.objects.hasher })) {
      if (header === undefined) {
        if (frame.kind !== FrameKind.push) throw new BadRequestError('a push stream starts with a PUSH frame')
        header = parsePushHeader(frame.json)
        continue
      }
      switch (frame.kind) {
        case FrameKind.object:
          await intake.add(frame.id, frame.bytes)
          break
        case FrameKind.progress:
          break
        case FrameKind.end: {
          const sent = (frame.json as { objects?: unknown } | null)?.objects
          if (sent !== intake.objects) throw new BadRequestError(`the END frame counts ${JSON.stringify(sent)} objects, ${intake.objects} arrived`)
          return { header, objects: intake.objects, bytes: intake.bytes }
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
    await intake.finish()
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
