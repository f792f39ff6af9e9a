/**
 * Every error the NFS export raises, in one place. Protocol errors become RPC replies
 * (`GarbageArgsError` → GARBAGE_ARGS) or NFS status codes (`NfsStatusError`); framing errors close
 * the one connection that sent them.
 */
import { IrminError } from '../core/errors.js'

/** Arguments that do not decode as XDR of the expected type (truncated, too long, bad enum). */
export class GarbageArgsError extends IrminError {
  override readonly code = 'ENFSGARBAGE'
  constructor(reason: string) {
    super(`undecodable RPC arguments: ${reason}`)
  }
}

/** A record mark that cannot be honoured (a fragment or record past the size limit): the connection closes. */
export class RecordTooLargeError extends IrminError {
  override readonly code = 'ENFSRECORD'
  constructor(readonly size: number, readonly limit: number) {
    super(`RPC record of ${size} bytes exceeds the limit of ${limit}`)
  }
}

/** An NFS procedure failing with an NFSv3 status (`nfsstat3`), answered as that status. */
export class NfsStatusError extends IrminError {
  override readonly code = 'ENFSSTATUS'
  constructor(readonly status: number, reason: string) {
    super(`NFS status ${status}: ${reason}`)
  }
}

/** The port(s) could not be registered with rpcbind. */
export class PortmapError extends IrminError {
  override readonly code = 'ENFSPORTMAP'
  constructor(reason: string) {
    super(`rpcbind registration failed: ${reason}`)
  }
}
