/**
 * The in-memory form of a git tree object.
 *
 * A sealed `Dir` is flat: the serialised tree (git's own bytes) plus a table of where each entry
 * starts. Lookups binary-search those bytes; nothing is decoded until asked for, so loading a
 * directory of 10,000 entries allocates three objects, not 10,000.
 *
 * A modified `Dir` is a flat base plus a small map of changes (name → new entry, or null for a
 * removal). Sealing it builds the new bytes by copying the unchanged runs of the base with one
 * memcpy each and encoding only the changed entries, then hashes them: the cost of a change is
 * the bytes of the directories on its path, not a walk over every entry.
 *
 * Entries are immutable except for memoised fields (ids of subtrees computed when sealed, and a
 * new file's bytes, dropped once the backend holds them).
 */
import { CorruptObjectError } from './errors.js'
import { fromHex, toHex } from './hex.js'
import type { ObjectKind, ObjectStore, ObjectWriter } from './object-store.js'
import { compareEntryNames, encodeEntry, encodeEntryPrefix, FILE_MODE, GITLINK_MODE, TREE_MODE } from './objects/git-tree.js'
import { compareFlat, entryLowerBound, forEachDifferentEntry, isTreeAt, parseEntryOffsets, searchEntry, spliceEntries } from './tree-bytes.js'
import { decodeUtf8, encodeUtf8 } from './utf8.js'

export class Entry {
  private prefixBytes: Uint8Array | undefined
  /** A file's blob body once read: the entry is memoised in its directory, so re-reads skip the cache. */
  body: Uint8Array | undefined
  /** The subtree once loaded; weak, so directories still leave memory when the cache drops them. */
  child: WeakRef<Dir> | undefined
  readonly isTree: boolean
  readonly isGitlink: boolean

  constructor(
    readonly name: string,
    readonly mode: string,
    /** Undefined only for a modified subtree that has not been sealed yet. */
    public id: string | undefined,
    /** The serialised entry (`"<mode> <name>\0"` + 20-byte id), once the id is known. */
    public encoded: Uint8Array | undefined,
    /** A subtree held in memory (not stored yet, or just built). */
    readonly dir: Dir | undefined,
    /** A new file's framed blob, until the backend holds it. */
    public blob: Uint8Array | undefined,
    prefix?: Uint8Array,
  ) {
    this.prefixBytes = prefix
    this.isTree = mode === TREE_MODE
    this.isGitlink = mode === GITLINK_MODE
  }

  /** `"<mode> <name>\0"`, the part of the encoding that does not depend on the id. */
  get prefix(): Uint8Array {
    return (this.prefixBytes ??= encodeEntryPrefix(this.mode, this.name))
  }

  /** The serialised entry; the id must be known. */
  encodedBytes(): Uint8Array {
    return (this.encoded ??= encodeEntry(this.prefix, this.dir?.rawId ?? fromHex(this.id!)))
  }

  static file(name: string, id: string, blob: Uint8Array | undefined, mode: string = FILE_MODE): Entry {
    const prefix = encodeEntryPrefix(mode, name)
    return new Entry(name, mode, id, encodeEntry(prefix, fromHex(id)), undefined, blob, prefix)
  }

  /** An entry for the in-memory `dir` under `name`, reusing `previous`'s prefix when it was a tree. */
  static tree(name: string, dir: Dir, previous?: Entry): Entry {
    const prefix = previous?.isTree ? previous.prefix : encodeEntryPrefix(TREE_MODE, name)
    const encoded = dir.rawId === undefined ? undefined : encodeEntry(prefix, dir.rawId)
    return new Entry(name, TREE_MODE, dir.id, encoded, dir, undefined, prefix)
  }

  static treeId(name: string, id: string): Entry {
    const prefix = encodeEntryPrefix(TREE_MODE, name)
    return new Entry(name, TREE_MODE, id, encodeEntry(prefix, fromHex(id)), undefined, undefined, prefix)
  }

  /** The same entry under another name (for grafting a stored subtree elsewhere). */
  renamed(name: string): Entry {
    if (name === this.name) return this
    if (this.dir) return Entry.tree(name, this.dir)
    const prefix = encodeEntryPrefix(this.mode, name)
    return new Entry(name, this.mode, this.id, encodeEntry(prefix, fromHex(this.id!)), undefined, this.blob, prefix)
  }
}

/** Approximate bytes of one memoised lookup (map slot, entry, id string). */
const MEMO_WEIGHT = 200

/** Same content under the same name: a change that changes nothing. */
function sameEntry(a: Entry, b: Entry): boolean {
  if (a === b) return true
  if (a.mode !== b.mode) return false
  if (a.dir !== undefined && a.dir === b.dir) return true
  return a.id !== undefined && a.id === b.id
}

export class Dir {
  /** Memoised once computed. */
  id: string | undefined
  rawId: Uint8Array | undefined
  /** True once the backend holds this directory and everything under it. */
  stored = false

  // Flat form: the framed tree object, its body, and where each entry starts (n + 1 offsets).
  private framed: Uint8Array | undefined
  private body: Uint8Array | undefined
  private offsets: Uint32Array | undefined
  // Modified form: a flat base and the changes to it.
  private base: Dir | undefined
  private changes: Map<string, Entry | null> | undefined
  /** Entries holding what the backend lacks (in-memory subtrees, new blobs); lookups see them first. */
  private pending: Map<string, Entry> | undefined
  private memo: Map<string, Entry | null> | undefined
  /** Number of entries. */
  readonly size: number

  private constructor(size: number) {
    this.size = size
  }

  get objectType(): 'tree' {
    return 'tree'
  }

  static empty(): Dir {
    const dir = new Dir(0)
    dir.framed = new Uint8Array([0x74, 0x72, 0x65, 0x65, 0x20, 0x30, 0]) // "tree 0\0"
    dir.body = dir.framed.subarray(7)
    dir.offsets = new Uint32Array(1)
    return dir
  }

  /** A stored tree object's body, checked for structure (entry syntax, not order). */
  static parse(id: string, body: Uint8Array): Dir {
    const offsets = parseEntryOffsets(id, body)
    const dir = new Dir(offsets.length - 1)
    dir.body = body
    dir.offsets = offsets
    dir.id = id
    dir.stored = true
    return dir
  }

  /** `base` with entries replaced (an `Entry`) or removed (`null`); `base` itself if nothing changes. */
  static derive(base: Dir, changes: ReadonlyMap<string, Entry | null>): Dir {
    const flat = base.base ?? base
    const merged = new Map(base.changes ?? [])
    let effective = false
    for (const [name, next] of changes) {
      const current = base.get(name)
      if (next === null ? current === undefined : current !== undefined && sameEntry(current, next)) continue
      effective = true
      const original = flat.get(name)
      // Back to what the flat base holds: no change needed against it.
      if (next === null ? original === undefined : original !== undefined && sameEntry(original, next)) merged.delete(name)
      else merged.set(name, next)
    }
    if (!effective) return base
    if (merged.size === 0) return flat
    let size = flat.size
    for (const [name, next] of merged) {
      const present = flat.indexOf(name) >= 0
      if (present && next === null) size--
      else if (!present && next !== null) size++
    }
    const dir = new Dir(size)
    dir.base = flat
    dir.changes = merged
    // What the backend lacks: new blobs and unstored subtrees, including those the base still holds.
    dir.pending = new Map()
    for (const [name, entry] of flat.pending ?? []) if (!merged.has(name)) dir.pending.set(name, entry)
    for (const [name, next] of merged) if (next !== null && (next.blob !== undefined || (next.dir && !next.dir.stored))) dir.pending.set(name, next)
    return dir
  }

  /** The entry called `name`. `treeFirst` says which kind to look for first in a flat body. */
  get(name: string, treeFirst = false): Entry | undefined {
    const pending = this.pending?.get(name)
    if (pending !== undefined) return pending
    if (this.changes !== undefined) {
      const change = this.changes.get(name)
      if (change !== undefined) return change ?? undefined
      return this.base!.get(name, treeFirst)
    }
    let memo = this.memo?.get(name)
    if (memo !== undefined) return memo ?? undefined
    const i = this.indexOf(name, treeFirst)
    memo = i < 0 ? null : this.entryAt(i)
    ;(this.memo ??= new Map()).set(name, memo)
    this.accountant?.(MEMO_WEIGHT)
    return memo ?? undefined
  }

  /** Set by the cache holding this directory: told how much memory memoised lookups add. */
  accountant: ((bytes: number) => void) | undefined

  /** Index of `name` in the flat body, or -1 (only for flat dirs). */
  indexOf(name: string, treeFirst = false): number {
    const key = encodeUtf8(name)
    const first = this.search(key, treeFirst)
    return first >= 0 ? first : this.search(key, !treeFirst)
  }

  private search(key: Uint8Array, keyIsTree: boolean): number {
    return searchEntry(this.body!, this.offsets!, this.size, key, keyIsTree)
  }

  /** Where an entry (`key`, of kind `keyIsTree`) would go among the flat entries. */
  private lowerBound(key: Uint8Array, keyIsTree: boolean): number {
    return entryLowerBound(this.body!, this.offsets!, this.size, key, keyIsTree)
  }

  /** Decodes flat entry `i`. */
  private entryAt(i: number): Entry {
    const body = this.body!
    const start = this.offsets![i]
    const end = this.offsets![i + 1]
    const space = body.indexOf(0x20, start)
    const mode = decodeUtf8(body, start, space)
    let name: string
    try {
      name = decodeUtf8(body, space + 1, end - 21)
    } catch {
      throw new CorruptObjectError(this.id ?? '(unsealed tree)', 'tree entry name is not UTF-8')
    }
    // No views of the body here: a read only needs name, mode and id; encodings are made on demand.
    return new Entry(name, mode === '040000' ? TREE_MODE : mode, toHex(body, end - 20, end), undefined, undefined, undefined)
  }

  /** Every entry's name, in git order; a flat directory's straight from its bytes (no `Entry` each). */
  names(): string[] {
    if (this.changes !== undefined) return this.entries().map(e => e.name)
    const out = new Array<string>(this.size)
    for (let i = 0; i < this.size; i++) out[i] = this.nameAt(i)
    return out
  }

  /** Every entry, in git order. */
  entries(): Entry[] {
    if (this.changes === undefined) {
      const out: Entry[] = []
      for (let i = 0; i < this.size; i++) {
        const e = this.entryAt(i)
        out.push(this.pending?.get(e.name) ?? e)
      }
      return out
    }
    const kept = this.base!.entries().filter(e => !this.changes!.has(e.name))
    const added = [...this.changes.values()].filter((e): e is Entry => e !== null).sort(compareEntry)
    const out: Entry[] = []
    let j = 0
    for (const e of kept) {
      while (j < added.length && compareEntry(added[j], e) < 0) out.push(added[j++])
      out.push(e)
    }
    while (j < added.length) out.push(added[j++])
    return out
  }

  /**
   * Names whose entry differs between this directory and `other` (added, removed, or another id
   * or mode). Both must be sealed.
   */
  changedNames(other: Dir): Set<string> {
    const names = new Set<string>()
    this.forEachDifference(other, (i, j) => names.add(i >= 0 ? this.nameAt(i) : other.nameAt(j)))
    return names
  }

  /**
   * Calls `visit(i, j)` for every entry that differs from `other`: `i` indexes this directory's
   * entries and `j` the other's, -1 where that side has none; both are given when an entry of the
   * same name and kind changed. Both sorted bodies are walked side by side comparing raw bytes,
   * so entries that did not change cost a comparison and no allocation. Both must be sealed.
   */
  forEachDifference(other: Dir, visit: (i: number, j: number) => void): void {
    if (this.changes !== undefined || other.changes !== undefined) throw new TypeError('comparing directories needs them sealed')
    forEachDifferentEntry(this.body!, this.offsets!, this.size, other.body!, other.offsets!, other.size, visit)
  }

  /** Flat entry `i`: its name. */
  nameAt(i: number): string {
    const body = this.body!
    return decodeUtf8(body, body.indexOf(0x20, this.offsets![i]) + 1, this.offsets![i + 1] - 21)
  }

  /** Flat entry `i`: where its 20-byte id starts in `flatBody`. */
  idOffsetAt(i: number): number {
    return this.offsets![i + 1] - 20
  }

  /** Flat entry `i`: its id, as hex. */
  idAt(i: number): string {
    const end = this.offsets![i + 1]
    return toHex(this.body!, end - 20, end)
  }

  /** The serialised entries of a sealed directory (see `idOffsetAt`). */
  get flatBody(): Uint8Array {
    return this.body!
  }

  /** Flat entry `i`: a subtree? a gitlink (a submodule's commit, not stored here)? */
  isTreeAt(i: number): boolean {
    return isTreeAt(this.body!, this.offsets![i])
  }

  isGitlinkAt(i: number): boolean {
    const body = this.body!
    const start = this.offsets![i]
    return body[start] === 0x31 && body[start + 1] === 0x36 // "16": only "160000" starts so
  }

  /** Whether the flat entries are in strict git order (no duplicates): what `git fsck` checks. */
  isSorted(): boolean {
    const body = this.body!
    const offsets = this.offsets!
    for (let i = 1; i < this.size; i++) {
      if (compareFlat(body, offsets[i - 1], offsets[i], body, offsets[i], offsets[i + 1]) >= 0) return false
    }
    return true
  }

  /**
   * Every entry's raw id (20 bytes at `offset` of `bytes`) and kind, with no string or object
   * made per entry: a walk over a whole store visits millions of entries and keeps few of them.
   */
  forEachChildRaw(fn: (bytes: Uint8Array, offset: number, isTree: boolean, isGitlink: boolean) => void): void {
    if (this.changes !== undefined || this.pending?.size) {
      for (const e of this.entries()) fn(fromHex(e.id!), 0, e.isTree, e.isGitlink)
      return
    }
    const body = this.body!
    const offsets = this.offsets!
    for (let i = 0; i < this.size; i++) fn(body, offsets[i + 1] - 20, isTreeAt(body, offsets[i]), this.isGitlinkAt(i))
  }

  /** Ids and kinds of every entry, without building `Entry` objects (for walks over stored trees). */
  forEachChild(fn: (id: string, isTree: boolean, mode: string) => void): void {
    if (this.changes !== undefined || this.pending?.size) {
      for (const e of this.entries()) fn(e.id!, e.isTree, e.mode)
      return
    }
    const body = this.body!
    const offsets = this.offsets!
    for (let i = 0; i < this.size; i++) {
      const start = offsets[i]
      const end = offsets[i + 1]
      const space = body.indexOf(0x20, start)
      fn(toHex(body, end - 20, end), isTreeAt(body, start), decodeUtf8(body, start, space))
    }
  }

  /**
   * Computes the id of this directory and of every unsealed subtree under it. With `out`, also
   * collects what the backend lacks (unstored directories and their new blobs, children first).
   */
  seal(objects: ObjectStore, out?: SealOutput): string {
    if (this.id !== undefined && (out === undefined || this.stored)) return this.id
    if (this.pending !== undefined) {
      for (const entry of this.pending.values()) {
        if (entry.dir !== undefined) {
          if (entry.encoded === undefined || (out !== undefined && !entry.dir.stored)) {
            entry.id = entry.dir.seal(objects, out)
            entry.encoded ??= encodeEntry(entry.prefix, entry.dir.rawId ?? fromHex(entry.id))
          }
        } else if (out !== undefined && entry.blob !== undefined) {
          out.writer.add(entry.id!, entry.blob)
          out.blobs.push(entry)
        }
      }
    }
    if (this.changes !== undefined) {
      for (const entry of this.changes.values()) {
        if (entry?.dir !== undefined && entry.encoded === undefined) {
          entry.id = entry.dir.seal(objects, out)
          entry.encoded = encodeEntry(entry.prefix, entry.dir.rawId ?? fromHex(entry.id))
        }
      }
      this.flatten()
    }
    if (this.id === undefined) {
      this.id = objects.hasher.sha1Hex(this.framed!)
      this.rawId = fromHex(this.id)
    }
    if (out !== undefined) {
      out.writer.add(this.id, this.framed!)
      out.dirs.push(this)
    }
    return this.id
  }

  /** Builds the flat form from base + changes: unchanged runs are copied whole. */
  private flatten(): void {
    const base = this.base!
    const changes = this.changes!
    // Base entries to drop (replaced or removed), and where each new entry goes in the base.
    const skip: number[] = []
    const adds: Array<{ at: number; entry: Entry }> = []
    for (const [name, next] of changes) {
      const i = base.indexOf(name)
      if (i >= 0) skip.push(i)
      if (next !== null) adds.push({ at: base.lowerBound(encodeUtf8(name), next.isTree), entry: next })
    }
    skip.sort((a, b) => a - b)
    adds.sort((a, b) => a.at - b.at || compareEntry(a.entry, b.entry))
    const added = adds.map(({ at, entry }) => ({ at, bytes: entry.encodedBytes() }))
    const { framed, header, offsets } = spliceEntries(base.body!, base.offsets!, base.size, skip, added, this.size)
    this.framed = framed
    this.body = framed.subarray(header)
    this.offsets = offsets
    this.base = undefined
    this.changes = undefined
    this.memo = undefined
  }

  /** After the objects collected for this directory are durable. */
  markStored(): void {
    this.stored = true
    this.pending = undefined
  }

  /** Approximate bytes held, for the cache budget. */
  get weight(): number {
    return 128 + (this.body?.length ?? this.size * 64) + this.size * 4 + (this.memo?.size ?? 0) * MEMO_WEIGHT
  }
}

export function compareEntry(a: Entry, b: Entry): number {
  return compareEntryNames(a.name, a.isTree, b.name, b.isTree)
}

export interface SealOutput {
  /** Receives what the backend lacks, children before parents. */
  writer: ObjectWriter
  /** Directories to mark stored once the objects are written. */
  dirs: Dir[]
  /** File entries whose blobs are written with them: they drop the bytes once stored. */
  blobs: Entry[]
}

/** After the objects collected in `out` are durable: nothing in them needs writing again. */
export function markStored(out: SealOutput, objects: ObjectStore): void {
  for (const entry of out.blobs) entry.blob = undefined
  for (const dir of out.dirs) {
    dir.markStored()
    objects.remember(dir.id!, dir, DIR)
  }
}

export const DIR: ObjectKind<Dir> = {
  type: 'tree',
  parse: (id, body) => Dir.parse(id, body),
  is: (value): value is Dir => value instanceof Dir,
  adopt: (dir, charge) => {
    dir.accountant = charge
  },
}

/** The directory behind a tree entry: in memory already, cached, or loaded. */
export function loadDir(objects: ObjectStore, entry: Entry): Dir | Promise<Dir> {
  if (entry.dir !== undefined) return entry.dir
  return objects.peek(entry.id!, DIR) ?? objects.load(entry.id!, DIR)
}
