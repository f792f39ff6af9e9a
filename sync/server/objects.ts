/** `POST /sync/v1/objects`: objects by id, in the order asked, no closure (the lazy path). */
import { FrameKind } from '../frames.js'
import type { Handler } from './context.js'
import { expectObject, idList, readJsonBody } from './json-body.js'
import { ObjectReader } from './object-reader.js'
import { FrameWriter } from './reply.js'

const BATCH = 512

export const postObjects: Handler = async (ctx, request, response) => {
  const ids = idList(expectObject(await readJsonBody(request, ctx.limits.jsonBody), 'an objects request'), 'ids', ctx.limits.objectIds)
  const reader = new ObjectReader(ctx.repo.backend)
  const writer = new FrameWriter(response)
  try {
    for (let start = 0; start < ids.length && !writer.gone; start += BATCH) {
      const batch = ids.slice(start, start + BATCH)
      const framed = await reader.raw(batch)
      for (let i = 0; i < batch.length; i++) {
        const bytes = framed[i]
        await writer.write(bytes === undefined ? { kind: FrameKind.missing, id: batch[i] } : { kind: FrameKind.object, id: batch[i], bytes })
      }
    }
    if (!writer.gone) await writer.end()
  } catch (error) {
    if (!writer.started || writer.gone) throw error
    await writer.fail(error)
  }
}
