/**
 * The PostgreSQL backend's typed errors, and the one place that turns the client's errors
 * (node-postgres errors with SQLSTATE codes, socket errors) into them.
 */
import { IrminError } from '../../core/errors.js'

/** The database cannot be reached (refused, unknown host, no such database, timed out). */
export class DatabaseUnavailableError extends IrminError {
  override readonly code = 'EDBUNAVAILABLE'
  constructor(readonly url: string, reason: string) {
    super(`PostgreSQL database ${url} is unavailable: ${reason}`)
  }
}

/** The server refused the credentials. */
export class DatabaseAuthError extends IrminError {
  override readonly code = 'EDBAUTH'
  constructor(readonly url: string, reason: string) {
    super(`PostgreSQL refused the login to ${url}: ${reason}`)
  }
}

/** The connection went away during an operation: it may or may not have taken effect. */
export class DatabaseConnectionLostError extends IrminError {
  override readonly code = 'EDBLOST'
  constructor(readonly url: string, what: string, reason: string) {
    super(`lost the connection to PostgreSQL ${url} during ${what}: ${reason}`)
  }
}

/** The store's schema was written by a newer irminsule than this one. */
export class SchemaVersionError extends IrminError {
  override readonly code = 'ESCHEMAVERSION'
  constructor(readonly found: number, readonly supported: number) {
    super(`the store's PostgreSQL schema is version ${found}; this irminsule reads up to version ${supported}: upgrade irminsule`)
  }
}

/** A write sent to a read replica (a hot standby). */
export class ReadOnlyReplicaError extends IrminError {
  override readonly code = 'EREADONLY'
  constructor(readonly primary: string) {
    super(`read-only replica: writes go to the primary, ${primary}`)
  }
}

/** Any other error the database reports, with its SQLSTATE. */
export class DatabaseError extends IrminError {
  override readonly code = 'EDB'
  constructor(what: string, readonly sqlState: string | undefined, reason: string) {
    super(`PostgreSQL error during ${what}${sqlState ? ` (${sqlState})` : ''}: ${reason}`)
  }
}

/** The URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(an invalid URL)'
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT'])
const LOST = /Connection terminated|ECONNRESET|EPIPE|terminating connection|server closed the connection|Client has encountered a connection error|Connection ended/i

/** Maps a client error to a typed one (typed errors pass through). `primary` names where writes go. */
export function describeDatabaseError(error: unknown, url: string, what: string, primary?: () => string): Error {
  if (error instanceof IrminError) return error
  const e = error as { code?: string; message?: string; errors?: unknown[] }
  const code = e.code
  const message = e.message || String(error)
  if (code === '28P01' || code === '28000') return new DatabaseAuthError(url, message)
  if (code === '3D000') return new DatabaseUnavailableError(url, message)
  if (code === '25006') return new ReadOnlyReplicaError(primary?.() ?? 'the primary')
  if (code === '57P01' || code === '57P02' || code === '57P03' || code === '08006' || code === '08003' || (code === undefined && LOST.test(message))) {
    return what === 'connect' ? new DatabaseUnavailableError(url, message) : new DatabaseConnectionLostError(url, what, message)
  }
  if (code !== undefined && UNREACHABLE.has(code)) return new DatabaseUnavailableError(url, message)
  if (Array.isArray(e.errors) && e.errors.length > 0) return describeDatabaseError(e.errors[0], url, what, primary) // AggregateError of each address tried
  if (code === 'ECONNRESET' || code === 'EPIPE') return new DatabaseConnectionLostError(url, what, message)
  return new DatabaseError(what, code, message)
}
