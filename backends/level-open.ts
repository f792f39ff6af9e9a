/** Opening a LevelDB directory: its identity for the one-owner guard, the size index (of old stores; its entries read), lock errors. */
import { mkdir, readdir, stat } from 'node:fs/promises'
import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import { StoreLockedError } from '../core/errors.js'
import { isPointer, storedLength } from './value-log.js'

/** classic-level's per-operation option: the value is a string (sizes, ref targets). */
export const UTF8 = { valueEncoding: 'utf8' } as object

type Sub<V> = AbstractSublevel<Level<string, Uint8Array>, string | Uint8Array, string, V>

/**
 * The directory's device and inode, after creating it (as LevelDB would): the same for every
 * path that reaches it, symlinks, bind mounts and case-insensitive names included, where even
 * its real path would differ across a bind mount.
 */
export async function directoryIdentity(location: string): Promise<string> {
  await mkdir(location, { recursive: true })
  const { dev, ino } = await stat(location, { bigint: true })
  return `${dev}:${ino}`
}

/**
 * Builds the size index of a store written before there was one (objects present, no sizes):
 * every listing goes through the index, so it must hold every object.
 */
export async function indexSizes(objects: Sub<Uint8Array>, sizes: Sub<Uint8Array>): Promise<void> {
  const first = async (level: Sub<unknown>) => (await level.keys({ limit: 1 }).all()).length > 0
  if ((await first(sizes as Sub<unknown>)) || !(await first(objects as Sub<unknown>))) return
  let batch = sizes.batch()
  for await (const [id, value] of objects.iterator()) {
    batch.put(id, String(storedLength(value)) as unknown as Uint8Array, UTF8)
    if (batch.length >= 10_000) {
      await batch.write()
      batch = sizes.batch()
    }
  }
  await batch.write()
}

/** The size a size index entry gives: a bulk-loaded object's pointer holds it, other entries are the size in decimal. */
export function indexedSize(entry: Uint8Array): number {
  if (isPointer(entry)) return storedLength(entry)
  let size = 0
  for (let i = 0; i < entry.length; i++) size = size * 10 + entry[i]! - 0x30
  return size
}

/** LevelDB's "LOCK: Resource temporarily unavailable" means another process has the directory. */
export function describeOpenError(location: string, error: unknown): Error {
  const cause = (error as { cause?: { message?: string } }).cause?.message ?? ''
  const message = (error as Error).message ?? ''
  if (/LOCK|lock/.test(cause + message)) return new StoreLockedError(location)
  return error as Error
}

/** How many write-ahead log files (`NNNNNN.log`) LevelDB keeps in `location` now. */
export async function writeAheadLogs(location: string): Promise<number> {
  return (await readdir(location)).filter(name => /^\d+\.log$/.test(name)).length
}
