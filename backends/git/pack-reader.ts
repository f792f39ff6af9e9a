/**
 * Turns pack entries into framed objects: inflates them and resolves delta chains (OBJ_OFS_DELTA
 * by offset, OBJ_REF_DELTA by id — within the same pack, as git requires of packs on disk),
 * iteratively, from the requested object down to the first full object or cached base, then
 * back up, keeping the bases it made on the way in a small cache.
 */
import { constants } from 'node:buffer'
import { CorruptObjectError } from '../../core/errors.js'
import { headerLength, writeHeader } from '../../core/objects/frame.js'
import type { BaseCache, ResolvedObject } from './base-cache.js'
import { applyDelta, readDeltaSizes } from './delta.js'
import type { PackEntry, PackFile } from './pack-file.js'
import { OBJ_REF_DELTA, isDelta, typeName } from './pack-format.js'
import { idKey } from './pack-index.js'
import { inflateInto } from './zlib.js'

/** Longer chains than this are corrupt (git's deepest, `--depth=4095`, is far below). */
const MAX_CHAIN = 10_000
/** Larger deltas get a buffer of their own, so the reused one stays small between reads. */
const SCRATCH_MAX = 1024 * 1024

export class PackReader {
  /** Inflated deltas up to `SCRATCH_MAX` bytes, reused: a delta is needed only while it is applied. */
  private scratch = new Uint8Array(64 * 1024)

  constructor(private readonly bases: BaseCache) {}

  /** The framed object at index `position` of `pack`; `id` is the object's id, for errors. */
  read(pack: PackFile, position: number, id: string): Uint8Array {
    // Resolved already, as the base of another object read before it.
    const resolved = this.bases.get(pack.serial, pack.index.offsetAt(position))
    if (resolved !== undefined) return resolved.framed
    let entry = pack.entryAt(position, id)
    const deltas: PackEntry[] = []
    let base: ResolvedObject | undefined
    while (base === undefined) {
      if (!isDelta(entry.type)) {
        base = this.inflateObject(pack, entry, id)
        // Cached even when it is the object asked for: in pack order, the entries after a base
        // are often deltas against it (git writes a base shortly before the deltas made from it).
        this.bases.set(pack.serial, entry.offset, base)
        break
      }
      deltas.push(entry)
      if (deltas.length > MAX_CHAIN) throw new CorruptObjectError(id, `${pack.name}.pack: delta chain longer than ${MAX_CHAIN} (circular?)`)
      let basePosition = -1
      let baseOffset = entry.baseOffset
      if (entry.type === OBJ_REF_DELTA) {
        basePosition = pack.index.find(idKey(entry.baseId!))
        if (basePosition < 0) throw new CorruptObjectError(id, `${pack.name}.pack: delta base ${entry.baseId} is not in the pack`)
        baseOffset = pack.index.offsetAt(basePosition)
      }
      base = this.bases.get(pack.serial, baseOffset)
      if (base === undefined) entry = basePosition >= 0 ? pack.entryAt(basePosition, id) : pack.entryAtOffset(baseOffset, id)
    }
    for (let i = deltas.length - 1; i >= 0; i--) {
      base = this.applyDelta(pack, deltas[i], base, id)
      this.bases.set(pack.serial, deltas[i].offset, base)
    }
    return base.framed
  }

  private inflateObject(pack: PackFile, entry: PackEntry, id: string): ResolvedObject {
    const type = typeName(entry.type)
    if (type === undefined) throw new CorruptObjectError(id, `${pack.name}.pack: unknown object type ${entry.type} at offset ${entry.offset}`)
    const { framed, bodyStart } = allocateFramed(id, type, entry.size)
    inflateInto(id, where(pack, entry), entry.bytes.subarray(entry.dataStart), framed, bodyStart, entry.size)
    return { type, framed, bodyStart }
  }

  private applyDelta(pack: PackFile, entry: PackEntry, base: ResolvedObject, id: string): ResolvedObject {
    checkSize(id, entry.size)
    if (this.scratch.length < entry.size && entry.size <= SCRATCH_MAX) this.scratch = new Uint8Array(entry.size)
    const delta = entry.size > SCRATCH_MAX ? new Uint8Array(entry.size) : this.scratch.subarray(0, entry.size)
    inflateInto(id, where(pack, entry), entry.bytes.subarray(entry.dataStart), delta, 0, entry.size)
    const sizes = readDeltaSizes(id, delta)
    const { framed, bodyStart } = allocateFramed(id, base.type, sizes.resultSize)
    applyDelta(id, base.framed.subarray(base.bodyStart), delta, sizes, framed, bodyStart)
    return { type: base.type, framed, bodyStart }
  }
}

function where(pack: PackFile, entry: PackEntry): string {
  return `${pack.name}.pack at offset ${entry.offset}`
}

function checkSize(id: string, size: number): void {
  if (size > constants.MAX_LENGTH) throw new CorruptObjectError(id, `claims ${size} bytes, more than this process can hold`)
}

function allocateFramed(id: string, type: ResolvedObject['type'], size: number): { framed: Uint8Array; bodyStart: number } {
  checkSize(id, size)
  const framed = new Uint8Array(headerLength(type, size) + size)
  return { framed, bodyStart: writeHeader(type, size, framed) }
}
