/**
 * Git's tree object: a sorted list of `<mode> SP <name> NUL <20-byte id>` entries.
 * Entries sort by name bytes, a subtree's name compared as if it ended in `/` (git's
 * `base_name_compare`); any other order gives a different id than git's and fails `git fsck`.
 */
import { CorruptObjectError } from '../errors.js'
import { fromHex, toHex } from '../hex.js'
import { decodeUtf8, encodeUtf8 } from '../utf8.js'
import { headerLength, writeHeader } from './frame.js'

export const FILE_MODE = '100644'
export const EXECUTABLE_MODE = '100755'
export const SYMLINK_MODE = '120000'
export const TREE_MODE = '40000'
export const GITLINK_MODE = '160000'

export type EntryMode = string

export interface GitTreeEntry {
  readonly mode: EntryMode
  readonly name: string
  readonly id: string
}

export function isTreeMode(mode: EntryMode): boolean {
  return mode === TREE_MODE
}

/** Compares two UTF-16 code units in code-point (= UTF-8 byte) order. */
function codePointOrder(c: number): number {
  if (c < 0xd800) return c
  return c >= 0xe000 ? c - 0x800 : c + 0x2000 // surrogates encode code points above U+FFFF
}

/** Git's tree order: name bytes, with a tree's name compared as `name + "/"`. */
export function compareEntryNames(a: string, aIsTree: boolean, b: string, bIsTree: boolean): number {
  const n = a.length < b.length ? a.length : b.length
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i)
    const cb = b.charCodeAt(i)
    if (ca !== cb) return codePointOrder(ca) - codePointOrder(cb)
  }
  const ta = a.length > n ? codePointOrder(a.charCodeAt(n)) : aIsTree ? 0x2f : -1
  const tb = b.length > n ? codePointOrder(b.charCodeAt(n)) : bIsTree ? 0x2f : -1
  return ta - tb
}

export function compareEntries(a: GitTreeEntry, b: GitTreeEntry): number {
  return compareEntryNames(a.name, isTreeMode(a.mode), b.name, isTreeMode(b.mode))
}

/** `"<mode> <name>\0"` — the part of an entry that does not depend on the id. */
export function encodeEntryPrefix(mode: EntryMode, name: string): Uint8Array {
  const nameBytes = encodeUtf8(name)
  const out = new Uint8Array(mode.length + 1 + nameBytes.length + 1)
  for (let i = 0; i < mode.length; i++) out[i] = mode.charCodeAt(i)
  out[mode.length] = 0x20
  out.set(nameBytes, mode.length + 1)
  return out
}

/** `"<mode> <name>\0" + <20-byte id>`: one serialised entry. */
export function encodeEntry(prefix: Uint8Array, rawId: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + 20)
  out.set(prefix, 0)
  out.set(rawId, prefix.length)
  return out
}

/** Frames already-serialised entries (in git order) as a tree object in one allocation. */
export function serializeTree(entries: ReadonlyArray<{ readonly encoded: Uint8Array }>): Uint8Array {
  let bodyLength = 0
  for (const e of entries) bodyLength += e.encoded.length
  const out = new Uint8Array(headerLength('tree', bodyLength) + bodyLength)
  let p = writeHeader('tree', bodyLength, out)
  for (const e of entries) {
    out.set(e.encoded, p)
    p += e.encoded.length
  }
  return out
}

/** Sorts plain entries into git order and frames them. */
export function serializeTreeEntries(entries: readonly GitTreeEntry[]): Uint8Array {
  const sorted = [...entries].sort(compareEntries)
  return serializeTree(sorted.map(e => ({ encoded: encodeEntry(encodeEntryPrefix(e.mode, e.name), fromHex(e.id)) })))
}

export interface ParsedTreeEntry extends GitTreeEntry {
  /** The entry's `"<mode> <name>\0"` bytes, a view into the parsed body (no copy). */
  readonly prefix: Uint8Array
  /** The whole serialised entry, a view into the parsed body. */
  readonly encoded: Uint8Array
}

const VALID_MODES = new Set([FILE_MODE, EXECUTABLE_MODE, SYMLINK_MODE, TREE_MODE, GITLINK_MODE, '100664', '100640', '100600', '040000'])

/** Parses a tree body. Git writes some legacy modes (`100664`); they are kept as written. */
export function parseTree(id: string, body: Uint8Array): ParsedTreeEntry[] {
  const entries: ParsedTreeEntry[] = []
  let p = 0
  while (p < body.length) {
    const space = body.indexOf(0x20, p)
    if (space < 0 || space - p > 6) throw new CorruptObjectError(id, 'tree entry without a mode')
    const mode = decodeUtf8(body, p, space)
    if (!VALID_MODES.has(mode)) throw new CorruptObjectError(id, `tree entry with mode "${mode}"`)
    const nul = body.indexOf(0, space + 1)
    if (nul < 0) throw new CorruptObjectError(id, 'unterminated tree entry name')
    if (nul + 21 > body.length) throw new CorruptObjectError(id, 'truncated tree entry')
    let name: string
    try {
      name = decodeUtf8(body, space + 1, nul)
    } catch {
      throw new CorruptObjectError(id, 'tree entry name is not UTF-8')
    }
    if (name === '' || name.includes('/')) throw new CorruptObjectError(id, `tree entry name "${name}"`)
    entries.push({
      mode: mode === '040000' ? TREE_MODE : mode,
      name,
      id: toHex(body, nul + 1, nul + 21),
      prefix: body.subarray(p, nul + 1),
      encoded: body.subarray(p, nul + 21),
    })
    p = nul + 21
  }
  return entries
}
