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
