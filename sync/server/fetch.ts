/** `POST /sync/v1/fetch`: wants, haves, depth and filter in; an object stream out (walk.ts). */
import { BadRequestError } from '../errors.js'
import { parseFilter } from '../filter.js'
import type { Handler } from './context.js'
import { expectObject, idList, readJsonBody } from './json-body.js'
import { FrameWriter } from './reply.js'
import { walkFetch, type FetchRequest } from './walk.js'

export function parseFetchRequest(body: unknown, limits: { wants: number; haves: number }): FetchRequest {
  const fields = expectObject(body, 'a fetch request')
  const wants = idList(fields, 'wants', limits.wants)
  const haves = idList(fields, 'haves', limits.haves, true)
  const depth = fields.depth
  if (depth !== undefined && !(Number.isSafeInteger(depth) && (depth as number) >= 1)) throw new BadRequestError(`"depth" must be a whole number ≥ 1, got ${JSON.stringify(depth)}`)
  return { wants, haves, depth: depth as number | undefined, filter: parseFilter(fields.filter), treeDeltas: fields.treeDeltas === true }
}

export const postFetch: Handler = async (ctx, request, response) => {
  const fetch = parseFetchRequest(await readJsonBody(request, ctx.limits.jsonBody), ctx.limits)
  // The wants stay out of garbage collection's reach while they are walked.
  const unpin = fetch.wants.map(id => ctx.repo.objects.gc.pin(id))
  const writer = new FrameWriter(response)
  try {
    await walkFetch(ctx.repo, fetch, writer)
    if (!writer.gone) await writer.end()
  } catch (error) {
    // Before the first frame (an absent want) the refusal is a JSON reply; after, an ERROR frame.
    if (!writer.started || writer.gone) throw error
    await writer.fail(error)
  } finally {
    for (const release of unpin) release()
  }
}
