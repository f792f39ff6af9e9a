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
  constructor(what: string, size: number, limit: number) {
    super('ETOOLARGE', `${what} of ${size} bytes is over the limit of ${limit}`, { size, limit })
  }
}

/** An object whose bytes do not hash to the id it was sent under. */
export class HashMismatchError extends SyncError {
  constructor(readonly claimed: string, readonly actual: string) {
    super('EHASH', `object sent as ${claimed} hashes to ${actual}`, { claimed, actual })
  }
}

/** A request that breaks the protocol's rules: bad JSON, a bad id, a bad ref name, a bad header. */
export class BadRequestError extends SyncError {
  constructor(reason: string) {
    super('EBADREQUEST', reason)
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

/** A fast-forward push whose ref has moved on to history the pushed commit does not contain. */
export class NonFastForwardError extends SyncError {
  constructor(readonly ref: string, readonly current: string, readonly pushed: string) {
    super('ENONFASTFORWARD', `${ref} is at ${current}, which ${pushed} does not contain: fetch and merge first, or push with mode "merge"`, { current })
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
