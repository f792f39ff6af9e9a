/**
 * The backend contract's argument checks, shared by every backend so that they all refuse the
 * same bad input with the same typed errors (and the conformance suite can hold them to it).
 */
import type { ObjectEntry } from '../core/backend.js'
import { InvalidArgumentError, InvalidObjectIdError, ObjectTooLargeError } from '../core/errors.js'
import { isObjectId } from '../core/hex.js'
import { checkRefName } from '../core/ref-name.js'

export type { Backend, ObjectEntry, RefListener } from '../core/backend.js'
export { RefListeners } from '../core/backend.js'
export { checkRefName }

/** Objects larger than this are refused unless a backend is opened with another limit. */
export const DEFAULT_MAX_OBJECT_SIZE = 64 * 1024 * 1024

export interface BackendLimits {
  /** Largest framed object accepted, in bytes. */
  maxObjectSize?: number
}

export function checkIds(ids: unknown): asserts ids is readonly string[] {
  if (!Array.isArray(ids)) throw new InvalidArgumentError('expected an array of object ids')
  for (const id of ids) if (!isObjectId(id)) throw new InvalidObjectIdError(id)
}

/** Checks a whole batch before any of it is written, so a bad batch writes nothing. */
export function checkObjects(objects: unknown, maxObjectSize: number): asserts objects is readonly ObjectEntry[] {
  if (!Array.isArray(objects)) throw new InvalidArgumentError('expected an array of [id, bytes] pairs')
  for (const entry of objects) {
    if (!Array.isArray(entry) || entry.length !== 2) throw new InvalidArgumentError('expected an array of [id, bytes] pairs')
    const [id, bytes] = entry
    if (!isObjectId(id)) throw new InvalidObjectIdError(id)
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`object ${id}: bytes must be a Uint8Array`)
    if (bytes.length > maxObjectSize) throw new ObjectTooLargeError(bytes.length, maxObjectSize)
  }
}

export function checkCas(name: unknown, expected: unknown, next: unknown): void {
  checkRefName(name)
  if (expected !== undefined && !isObjectId(expected)) throw new InvalidObjectIdError(expected)
  if (next !== undefined && !isObjectId(next)) throw new InvalidObjectIdError(next)
}

export function checkPrefix(prefix: unknown): void {
  if (prefix !== undefined && typeof prefix !== 'string') throw new InvalidArgumentError('a ref prefix is a string')
}
