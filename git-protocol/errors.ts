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

/** A request body past the server's bound (bytes of a command request, of a pushed pack). */
export class GitRequestTooLargeError extends GitRequestError {
  override readonly code = 'ETOOLARGE'
  constructor(what: string, limit: number) {
    super(`${what} is over the limit of ${limit} bytes`, 413)
  }
}

// --- pack-stream errors: a pack received on the wire (git-protocol/pack-parser.ts) ---

/** Anything wrong with a pack stream; the subclasses say what. */
export class PackStreamError extends GitProtocolError {
  override readonly code: string = 'EPACK'
}

/** The stream does not start with `PACK`, version 2 or 3, and an object count. */
export class BadPackHeaderError extends PackStreamError {
  override readonly code = 'EPACKHEADER'
  constructor(reason: string) {
    super(`bad pack header: ${reason}`)
  }
}

/** The stream ended inside the pack (in an entry, or before the trailer). */
export class TruncatedPackError extends PackStreamError {
  override readonly code = 'EPACKTRUNCATED'
  constructor(reason: string) {
    super(`pack truncated: ${reason}`)
  }
}

/** The SHA-1 trailer does not match the pack's bytes. */
export class PackChecksumError extends PackStreamError {
  override readonly code = 'EPACKCHECKSUM'
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`pack checksum mismatch: the trailer says ${expected}, the bytes hash to ${actual}`)
  }
}

/** The header announced a different number of objects than the pack holds. */
export class PackCountMismatchError extends PackStreamError {
  override readonly code = 'EPACKCOUNT'
  constructor(reason: string) {
    super(`pack object count mismatch: ${reason}`)
  }
}

/** An entry with a type code that is no object and no delta (0, 5 or out of range). */
export class UnknownPackObjectTypeError extends PackStreamError {
  override readonly code = 'EPACKTYPE'
  constructor(
    readonly offset: number,
    readonly typeCode: number,
  ) {
    super(`pack entry at offset ${offset} has unknown type ${typeCode}`)
  }
}

/** A delta whose base is neither earlier in the pack nor available locally (a thin pack's base). */
export class MissingDeltaBaseError extends PackStreamError {
  override readonly code = 'EPACKBASE'
  constructor(readonly base: string) {
    super(`pack delta base ${base} is missing (not in the pack, not in the store)`)
  }
}

/** A delta that cannot be applied to its base (sizes disagree, copies outside the base, …). */
export class BadDeltaError extends PackStreamError {
  override readonly code = 'EPACKDELTA'
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(`bad delta at pack offset ${offset}: ${reason}`)
  }
}

/** An entry whose zlib data is corrupt, or inflates to another size than its header says. */
export class CorruptPackEntryError extends PackStreamError {
  override readonly code = 'EPACKENTRY'
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(`corrupt pack entry at offset ${offset}: ${reason}`)
  }
}

/** An object or held-back delta beyond what the parser was allowed to keep in memory. */
export class PackLimitError extends PackStreamError {
  override readonly code = 'EPACKLIMIT'
  constructor(reason: string) {
    super(`pack exceeds a limit: ${reason}`)
  }
}

// --- client errors: irminsule talking to a git server (git-protocol/client/) ---

/** The server answered with an HTTP error status (other than an authentication refusal). */
export class GitHttpError extends GitProtocolError {
  override readonly code: string = 'EGITHTTP'
  constructor(
    readonly url: string,
    readonly status: number,
    detail: string,
  ) {
    super(`git server ${url} answered HTTP ${status}${detail ? `: ${detail}` : ''}`)
  }
}

/** 401/403: credentials missing or refused (give them in the URL or as the token). */
export class GitAuthError extends GitHttpError {
  override readonly code = 'EGITAUTH'
}

/** The server could not be reached, or the connection broke mid-transfer (worth a retry). */
export class GitTransferError extends GitProtocolError {
  override readonly code = 'EGITTRANSFER'
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`git transfer with ${url} interrupted: ${reason}`)
  }
}

/** The server said no: an `ERR` line, a fatal side-band message, or a refused ref update. */
export class GitRemoteError extends GitProtocolError {
  override readonly code: string = 'EGITREMOTE'
  constructor(message: string) {
    super(`git server: ${message}`)
  }
}

/** A reply that does not follow the protocol (an unexpected line, a missing section). */
export class GitProtocolViolationError extends GitProtocolError {
  override readonly code = 'EGITBADREPLY'
  constructor(reason: string) {
    super(`unexpected reply from the git server: ${reason}`)
  }
}

/** A fetched pack that leaves objects out that the fetched refs reach (and the store lacks). */
export class IncompletePackError extends PackStreamError {
  override readonly code = 'EPACKCLOSURE'
  constructor(readonly missing: readonly string[]) {
    super(`the pack leaves out ${missing.length} object(s) the fetched refs need, e.g. ${missing.slice(0, 3).join(', ')}`)
  }
}
