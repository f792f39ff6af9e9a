/**
 * The sync protocol's errors, in one place. Each `code` is the wire code of sync/PROTOCOL.md, so a
 * refusal from a server is rethrown on the client as the same class (`syncErrorFromWire`).
 */
import { IrminError } from '../core/index.js'

/** A refusal carried over the wire: `{ error, code }` and, for some codes, more fields. */
export class SyncError extends IrminError {
  override readonly code: string
  constructor(code: string, message: string, readonly details: Readonly<Record<string, unknown>> = {}) {
    super(message)
    this.code = code
  }
}

/** A stream or request that breaks the framing rules: unknown kind, bad payload, bad JSON. */
export class MalformedStreamError extends SyncError {
  constructor(reason: string) {
    super('EBADREQUEST', `malformed object stream: ${reason}`)
  }
}

/** A stream that ended before its END frame, or inside a frame. */
export class TruncatedStreamError extends SyncError {
  constructor(reason: string) {
    super('ETRUNCATED', `object stream truncated: ${reason}`)
  }
}

/** A frame (or a request) larger than the receiver's bound. */
export class TooLargeError extends SyncError {
  constructor(what: string, size: number, limit: number, unit = 'bytes') {
    super('ETOOLARGE', `${what} of ${size} ${unit} is over the limit of ${limit}`, { size, limit })
  }
}

/** An object whose bytes do not hash to the id it was sent under. */
export class HashMismatchError extends SyncError {
  constructor(readonly claimed: string, readonly actual: string) {
    super('EHASH', `object sent as ${claimed} hashes to ${actual}`, { claimed, actual })
  }
}

/** A request the server cannot make sense of: bad JSON shape, bad id, bad filter, bad ref name. */
export class BadRequestError extends SyncError {
  constructor(message: string) {
    super('EBADREQUEST', message)
  }
}

/** No token, or a wrong one, for what the request does. */
export class UnauthorizedError extends SyncError {
  constructor(message: string) {
    super('EUNAUTHORIZED', message)
  }
}

/**
 * The remote could not be reached at all (network down, server gone): the request never got an
 * answer. A lazy store's read of an object it does not hold fails with this while offline.
 */
export class RemoteUnavailableError extends SyncError {
  constructor(readonly url: string, reason: string) {
    super('EOFFLINE', `the remote ${url} cannot be reached (${reason})`)
  }
}

/** HTTP statuses of the wire codes (PROTOCOL.md, "Errors"). */
/**
 * Errors of a store's database (PostgreSQL: backends/postgres/errors.ts) that say "try again
 * later", not "your request is wrong": 503 from both servers, whoever raised them.
 */
export const UNAVAILABLE_CODES: ReadonlySet<string> = new Set(['EDBUNAVAILABLE', 'EDBLOST'])

export const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  EUNAUTHORIZED: 401,
  EBADREQUEST: 400,
  EHASH: 400,
  ETRUNCATED: 400,
  ETOOLARGE: 413,
  ENOTFOUND: 404,
  EINCOMPLETE: 422,
  ENONFASTFORWARD: 409,
  ECONFLICT: 409,
  ESTALE: 409,
  EMETHOD: 405,
}

/** The error a refusal `{ error, code, ...details }` from a server stands for, as the same class where there is one. */
export function syncErrorFromWire(body: unknown, status: number): SyncError {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  const message = typeof fields.error === 'string' ? fields.error : `the server answered ${status}`
  const code = typeof fields.code === 'string' ? fields.code : 'EINTERNAL'
  const { error: _e, code: _c, ...details } = fields
  switch (code) {
    case 'EBADREQUEST':
      return new BadRequestError(message)
    case 'EUNAUTHORIZED':
      return new UnauthorizedError(message)
    default:
      return new SyncError(code, message, details)
  }
}

/** A pushed ref whose closure the server's store does not hold in full; `missing` lists some. */
export class IncompleteClosureError extends SyncError {
  constructor(readonly ref: string, readonly missing: readonly string[]) {
    super('EINCOMPLETE', `the push to ${ref} is missing ${missing.length === 1 ? 'object' : `${missing.length}${missing.length >= 1000 ? '+' : ''} objects`} ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`, {
      missing: missing.slice(0, 1000),
    })
  }
}

/** A fast-forward (push or pull) refused: `ref` is at `current`, which `next` does not contain. */
export class NonFastForwardError extends SyncError {
  constructor(readonly ref: string, readonly current: string, readonly next: string, remedy = 'fetch and merge first, or push with mode "merge"') {
    super('ENONFASTFORWARD', `${ref} is at ${current}, which ${next} does not contain: not a fast-forward; ${remedy}`, { current })
  }
}

/** A merge push that conflicted; nothing moved. */
export class PushConflictError extends SyncError {
  constructor(readonly ref: string, readonly conflicts: readonly string[]) {
    super('ECONFLICT', `merging into ${ref} conflicts at ${conflicts.slice(0, 5).join(', ') || '/'}${conflicts.length > 5 ? `, and ${conflicts.length - 5} more` : ''}`, { conflicts })
  }
}

/** The ref moved between the server's check and its swap, or is not the `old` a force push leased. */
export class StaleRefError extends SyncError {
  constructor(readonly ref: string, readonly expected: string | null, readonly actual: string | null) {
    super('ESTALE', `${ref} is ${actual ?? 'absent'}, not ${expected ?? 'absent'} as expected: it moved meanwhile; fetch and try again`, { actual })
  }
}
