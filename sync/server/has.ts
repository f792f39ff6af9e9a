/**
 * `POST /sync/v1/has` (sync/PROTOCOL.md): which of the ids the server holds, one character each
 * (`"0110…"`). A pushing client asks first, so a resumed push sends nothing that already arrived.
 */
import type { Handler } from './context.js'
import { expectObject, idList, readJsonBody } from './json-body.js'
import { sendJson } from './reply.js'

const BATCH = 10_000

export const postHas: Handler = async (ctx, request, response) => {
  const body = expectObject(await readJsonBody(request, ctx.limits.jsonBody), 'a has request')
  const ids = idList(body, 'ids', ctx.limits.hasIds)
  let has = ''
  for (let start = 0; start < ids.length; start += BATCH) {
    for (const present of await ctx.repo.backend.hasObjects(ids.slice(start, start + BATCH))) has += present ? '1' : '0'
  }
  sendJson(response, 200, { has })
}
