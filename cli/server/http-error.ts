/** Errors as HTTP statuses: the client's mistakes are 4xx, ours 500. */
import {
  InvalidBranchNameError,
  InvalidObjectIdError,
  InvalidPathError,
  IrminError,
  NotAFileError,
  NotFoundError,
} from '../../index.js'
import { AmbiguousCommitError, NotADirectoryError } from '../errors.js'
import { STATUS_OF_CODE, SyncError, UNAVAILABLE_CODES } from '../../sync/errors.js'

/** A request the API cannot answer, with the status to answer it with. */
export class HttpError extends IrminError {
  constructor(
    readonly status: number,
    override readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const NOT_FOUND = [NotFoundError, NotADirectoryError, NotAFileError]
const BAD_REQUEST = [InvalidPathError, InvalidObjectIdError, InvalidBranchNameError, AmbiguousCommitError]

export function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status
  if (error instanceof SyncError) return STATUS_OF_CODE[error.code] ?? 400
  if (error instanceof IrminError && UNAVAILABLE_CODES.has(error.code)) return 503
  if (NOT_FOUND.some(type => error instanceof type)) return 404
  if (BAD_REQUEST.some(type => error instanceof type)) return 400
  return 500
}
