/**
 * Loose objects: one zlib-deflated framed object per file, `objects/<2 hex>/<38 hex>`. irminsule
 * never writes them (a batch becomes one pack), but git does, so they are read, listed and
 * deleted here. Batches first list `objects/` to learn which fan-out directories exist, so a
 * batch that finds nothing loose costs one `readdir`, not a failed `open` per id.
 */
import { readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { CorruptObjectError } from '../../core/errors.js'
import { parseFrame } from './pack-format.js'
import { inflateWhole } from './zlib.js'

const FANOUT_DIR = /^[0-9a-f]{2}$/
const REST_OF_ID = /^[0-9a-f]{38}$/

export class LooseObjects {
  constructor(private readonly objectsDir: string) {}

  /** The fan-out directories that exist (`"00"`…`"ff"`). */
  fanoutDirs(): Set<string> {
    return new Set(listDir(this.objectsDir).filter(name => FANOUT_DIR.test(name)))
  }

  /** The framed object, or undefined when there is no such file; damage is a `CorruptObjectError`. */
  read(id: string): Uint8Array | undefined {
    let stored: Uint8Array
    try {
      stored = readFileSync(this.path(id))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
      throw error
    }
    const framed = inflateWhole(id, 'loose object', stored)
    if (!parseFrame(framed)) throw new CorruptObjectError(id, 'loose object: malformed header, or its size does not match its contents')
    return framed
  }

  /** Which of `ids` are loose objects, with one directory listing per fan-out directory involved. */
  presentAmong(ids: readonly string[]): Set<string> {
    const present = new Set<string>()
    if (ids.length === 0) return present
    const dirs = this.fanoutDirs()
    const listings = new Map<string, Set<string>>()
    for (const id of ids) {
      const dir = id.slice(0, 2)
      if (!dirs.has(dir)) continue
      let listing = listings.get(dir)
      if (!listing) listings.set(dir, (listing = new Set(listDir(join(this.objectsDir, dir)))))
      if (listing.has(id.slice(2))) present.add(id)
    }
    return present
  }

  *ids(): Generator<string> {
    for (const dir of this.fanoutDirs()) {
      for (const name of listDir(join(this.objectsDir, dir))) if (REST_OF_ID.test(name)) yield dir + name
    }
  }

  /** When the object's file last changed (0 when it is gone): its age for the grace period. */
  mtimeOf(id: string): number {
    return statSync(this.path(id), { throwIfNoEntry: false })?.mtimeMs ?? 0
  }

  delete(ids: readonly string[]): void {
    for (const id of ids) {
      try {
        unlinkSync(this.path(id))
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error
      }
    }
  }

  private path(id: string): string {
    return join(this.objectsDir, id.slice(0, 2), id.slice(2))
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return []
    throw error
  }
}
