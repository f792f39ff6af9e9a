/**
 * The git wire protocols' errors, in one place (pkt-line framing, upload-pack, receive-pack,
 * packs on the wire). Each has a stable `code`; the server turns them into `ERR` lines or HTTP
 * statuses, the client rethrows what a server sends as the same classes.
 */
import { IrminError } from '../core/errors.js'

export class GitProtocolError extends IrminError {
  override readonly code: string = 'EGITPROTOCOL'
}

/** Bytes that are not a pkt-line: a length that is not 4 hex digits, or 3 (reserved). */
export class MalformedPktLineError extends GitProtocolError {
  override readonly code = 'EBADPKT'
  constructor(reason: string) {
    super(`malformed pkt-line: ${reason}`)
  }
}

/** A stream that ended inside a pkt-line (or before the flush that ends a section). */
export class TruncatedPktLineError extends GitProtocolError {
  override readonly code = 'ETRUNCATED'
  constructor(reason: string) {
    super(`pkt-line stream truncated: ${reason}`)
  }
}

/** A pkt-line longer than the protocol's 65520 bytes (or a smaller bound the reader was given). */
export class OversizedPktLineError extends GitProtocolError {
  override readonly code = 'ETOOLARGE'
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`pkt-line of ${length} bytes is over the limit of ${limit}`)
  }
}

/**
 * A request the git server refuses (a bad command, an unknown want, a bad argument): sent as an
 * `ERR` pkt-line, with `status` as the HTTP status when the reply has not begun.
 */
export class GitRequestError extends GitProtocolError {
  override readonly code: string = 'EGITREQUEST'
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
}

/** A git request without the token it needs: answered 401 with `WWW-Authenticate: Basic`, so git asks for one. */
export class GitUnauthorizedError extends GitRequestError {
  override readonly code = 'EUNAUTHORIZED'
  constructor(message: string) {
    super(message, 401)
  }
}

/** A request body past the server's bound (bytes of a command request, of a pushed pack). */
export class GitRequestTooLargeError extends GitRequestError {
  override readonly code = 'ETOOLARGE'
  constructor(what: string, limit: number) {
    super(`${what} is over the limit of ${limit} bytes`, 413)
  }
}
