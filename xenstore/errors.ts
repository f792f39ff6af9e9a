/**
 * Errors of the Xenstore daemon. A request that fails is answered with an XS_ERROR reply whose
 * payload is one of Xen's errno names (`xs_wire.h`'s `xsd_errors`); `XenstoreError.code` is that
 * name, so the reply is `code + "\0"`.
 */
import { IrminError } from '../core/errors.js'

/** The errno names the protocol knows, in `xsd_errors` order. */
export const ERRNO_NAMES = ['EINVAL', 'EACCES', 'EEXIST', 'EISDIR', 'ENOENT', 'ENOMEM', 'ENOSPC', 'EIO', 'ENOTEMPTY', 'ENOSYS', 'EROFS', 'EBUSY', 'EAGAIN', 'EISCONN', 'E2BIG', 'EPERM'] as const
export type ErrnoName = (typeof ERRNO_NAMES)[number]

/** A request the daemon refuses; answered as XS_ERROR with `code`. */
export class XenstoreError extends IrminError {
  override readonly code: ErrnoName
  constructor(code: ErrnoName, reason: string) {
    super(`${code}: ${reason}`)
    this.code = code
  }
}

/** A frame that cannot be read (header says more than the protocol allows): the connection closes. */
export class XenstoreProtocolError extends IrminError {
  override readonly code = 'EXSPROTO'
  constructor(reason: string) {
    super(`xenstore protocol: ${reason}`)
  }
}

/** The socket path given to the daemon answers: another daemon is serving there. */
export class SocketInUseError extends IrminError {
  override readonly code = 'ESOCKETINUSE'
  constructor(readonly path: string) {
    super(`${path} is in use: another daemon is listening there (stop it, or choose another --socket)`)
  }
}

export const fail = (code: ErrnoName, reason: string): never => {
  throw new XenstoreError(code, reason)
}
