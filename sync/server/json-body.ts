/** Reading a JSON request body within a bound, and checking the shapes the routes expect. */
import type { IncomingMessage } from 'node:http'
import { isObjectId } from '../../core/index.js'
import { BadRequestError, TooLargeError } from '../errors.js'

/** The parsed JSON body; refused past `limit` bytes (before reading more) or when not JSON. */
export async function readJsonBody(request: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) throw new TooLargeError('a request body', declared, limit)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new TooLargeError('a request body', size, limit)
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new BadRequestError('the request body is not JSON')
  }
}

export function expectObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequestError(`${what} must be a JSON object`)
  return value as Record<string, unknown>
}

/** A list of object ids at `field`, at most `limit` long (absent: `[]` when optional). */
export function idList(body: Record<string, unknown>, field: string, limit: number, optional = false): string[] {
  const value = body[field]
  if (value === undefined && optional) return []
  if (!Array.isArray(value)) throw new BadRequestError(`"${field}" must be a list of object ids`)
  if (value.length > limit) throw new TooLargeError(`"${field}" with ${value.length} ids`, value.length, limit, 'ids')
  for (const id of value) if (typeof id !== 'string' || !isObjectId(id)) throw new BadRequestError(`"${field}" holds ${JSON.stringify(id)}, not a 40-hex object id`)
  return value as string[]
}
