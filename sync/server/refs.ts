/** `GET /sync/v1/refs[?prefix=…]`: the refs under the prefix and the server's history boundary. */
import { readShallow } from '../../core/index.js'
import type { Handler, SyncServerContext } from './context.js'
import { sendJson } from './reply.js'

export interface RefsReply {
  refs: Array<[name: string, id: string]>
  shallow: string[]
}

/** The default: branches and tags (`refs/irmin/…` is the store's own bookkeeping). */
const DEFAULT_PREFIXES = ['refs/heads/', 'refs/tags/']

export async function listRefsReply(ctx: SyncServerContext, prefix: string | null): Promise<RefsReply> {
  const backend = ctx.repo.backend
  const lists = await Promise.all((prefix === null ? DEFAULT_PREFIXES : [prefix]).map(p => backend.listRefs(p)))
  const refs = lists.flat().sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return { refs, shallow: await readShallow(ctx.repo.objects) }
}

export const getRefs: Handler = async (ctx, request, response) => {
  const prefix = new URL(request.url ?? '/', 'http://x').searchParams.get('prefix')
  sendJson(response, 200, await listRefsReply(ctx, prefix))
}
