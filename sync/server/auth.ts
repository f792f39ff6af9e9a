/**
 * Tokens (sync/PROTOCOL.md, "Authentication"): `Authorization: Bearer T`, or HTTP Basic with the
 * token as password (git clients), compared in constant time so that timing does not reveal how
 * much of a guess was right.
 */
import { timingSafeEqual, createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { UnauthorizedError } from '../errors.js'
import type { SyncTokens } from './context.js'

export type Access = 'read' | 'write'

/** The token the request carries, if any. */
export function presentedToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const [scheme, value = ''] = header.trim().split(/\s+/, 2)
  if (/^bearer$/i.test(scheme)) return value
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon < 0 ? undefined : decoded.slice(colon + 1)
  }
  return undefined
}

/**
 * Equal strings, in time that depends only on their lengths' digests: both are hashed first,
 * so neither the length nor any prefix of the secret leaks.
 */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/** Throws `UnauthorizedError` unless the request may have `access`. */
export function authorize(tokens: SyncTokens, request: IncomingMessage, access: Access): void {
  // A write needs the write token; with none set, every route (a push too) needs the read token when there is one.
  const needed = access === 'write' && tokens.write !== undefined ? [tokens.write] : tokens.read === undefined ? [] : [tokens.read, tokens.write]
  const accepted = needed.filter((t): t is string => t !== undefined)
  if (accepted.length === 0) return
  const presented = presentedToken(request)
  if (presented === undefined) throw new UnauthorizedError(`this server needs a ${access} token (Authorization: Bearer TOKEN)`)
  // Every accepted token is compared, so the time does not say which one matched.
  let ok = false
  for (const token of accepted) ok = tokensEqual(presented, token) || ok
  if (!ok) throw new UnauthorizedError(`the token does not grant ${access} access`)
}
