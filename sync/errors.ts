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
