/**
 * Byte kernels over git's tree bytes, the flat form a sealed `Dir` (dir.ts) keeps: entries are
 * `mode SP name NUL id(20 bytes)`, sorted in git order, located by a table of start offsets (one
 * more than entries: the last is the body's length). Parse and check, binary search, walk two
 * bodies side by side, and build a new body from runs of an old one. No `Dir` here: only bytes
 * and offsets, so each kernel can be read (and tuned) on its own.
 */
import { CorruptObjectError } from './errors.js'
import { headerLength, writeHeader } from './objects/frame.js'

/** The start offsets of a tree body's entries, checking each entry's shape; `id` names it in errors. */
export function parseEntryOffsets(id: string, body: Uint8Array): Uint32Array {
  const starts: number[] = []
  let p = 0
  while (p < body.length) {
    starts.push(p)
    let space = p
    while (space < body.length && space - p < 7 && body[space] !== 0x20) space++
    if (body[space] !== 0x20 || !isValidMode(body, p, space)) throw new CorruptObjectError(id, `bad mode in tree entry ${starts.length}`)
    let nul = space + 1
    while (nul < body.length && body[nul] !== 0) {
      if (body[nul] === 0x2f) throw new CorruptObjectError(id, `tree entry name contains "/"`)
      nul++
    }
    if (nul === space + 1) throw new CorruptObjectError(id, 'tree entry with an empty name')
    if (nul + 21 > body.length) throw new CorruptObjectError(id, 'truncated tree entry')
    p = nul + 21
  }
  starts.push(body.length)
  return Uint32Array.from(starts)
}

/** The index of the entry named `key` (of kind `keyIsTree`) among `count` entries, or -1. */
export function searchEntry(body: Uint8Array, offsets: Uint32Array, count: number, key: Uint8Array, keyIsTree: boolean): number {
  let lo = 0
  let hi = count - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const c = compareAt(body, offsets[mid], offsets[mid + 1], key, keyIsTree)
    if (c === 0) return mid
    if (c < 0) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

/** Where an entry named `key` (of kind `keyIsTree`) would go among `count` entries. */
export function entryLowerBound(body: Uint8Array, offsets: Uint32Array, count: number, key: Uint8Array, keyIsTree: boolean): number {
  let lo = 0
  let hi = count
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareAt(body, offsets[mid], offsets[mid + 1], key, keyIsTree) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Calls `visit(i, j)` for every entry that differs between body `a` (`aCount` entries) and body
 * `b`: -1 where that side has none; both when an entry of the same name and kind changed. The
 * sorted bodies are walked side by side comparing raw bytes, so equal entries cost a comparison
 * and no allocation.
 */
export function forEachDifferentEntry(
  a: Uint8Array,
  ao: Uint32Array,
  aCount: number,
  b: Uint8Array,
  bo: Uint32Array,
  bCount: number,
  visit: (i: number, j: number) => void,
): void {
  const av = new DataView(a.buffer, a.byteOffset, a.byteLength)
  const bv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  let i = 0
  let j = 0
  while (i < aCount || j < bCount) {
    if (j >= bCount) visit(i++, -1)
    else if (i >= aCount) visit(-1, j++)
    else if (sameBytes(av, ao[i], ao[i + 1], bv, bo[j], bo[j + 1])) {
      // The common case: the same entries on both sides, usually a long run of them. Skip
      // the whole run with one word-by-word comparison (equal bytes parse into equal entries).
      const same = commonPrefix(av, ao[i], bv, bo[j], Math.min(a.length - ao[i], b.length - bo[j]))
      const end = ao[i] + same
      do {
        i++
        j++
      } while (i < aCount && j < bCount && ao[i + 1] <= end)
    } else {
      const c = compareFlat(a, ao[i], ao[i + 1], b, bo[j], bo[j + 1])
      if (c < 0) visit(i++, -1)
      else if (c > 0) visit(-1, j++)
      else visit(i++, j++)
    }
  }
}

/**
 * A framed tree object (git header, then body) made of base body `baseBody` (`baseCount`
 * entries) without the entries at the sorted indexes `skip`, with encoded entries `adds`
 * inserted before base index `at` (sorted by `at`, then in git order). Unchanged runs of the
 * base are copied with one memcpy each; the result has `count` entries. Gives the bytes, the header's length and the new
 * body's offsets table.
 */
export function spliceEntries(
  baseBody: Uint8Array,
  baseOffsets: Uint32Array,
  baseCount: number,
  skip: readonly number[],
  adds: ReadonlyArray<{ at: number; bytes: Uint8Array }>,
  count: number,
): { framed: Uint8Array; header: number; offsets: Uint32Array } {
  let bodyLength = baseBody.length
  for (const i of skip) bodyLength -= baseOffsets[i + 1] - baseOffsets[i]
  for (const a of adds) bodyLength += a.bytes.length
  const header = headerLength('tree', bodyLength)
  const framed = new Uint8Array(header + bodyLength)
  writeHeader('tree', bodyLength, framed)
  const offsets = new Uint32Array(count + 1)
  let p = header
  let n = 0
  let s = 0
  // Copies base entries [from, to) minus the skipped ones, one memcpy per run.
  const copy = (from: number, to: number) => {
    while (from < to) {
      while (s < skip.length && skip[s] < from) s++
      const runEnd = s < skip.length && skip[s] < to ? skip[s] : to
      if (runEnd > from) {
        const startByte = baseOffsets[from]
        framed.set(baseBody.subarray(startByte, baseOffsets[runEnd]), p)
        for (let i = from; i < runEnd; i++) offsets[n++] = p - header + (baseOffsets[i] - startByte)
        p += baseOffsets[runEnd] - startByte
      }
      from = runEnd === to ? to : runEnd + 1
    }
  }
  let next = 0
  for (const { at, bytes } of adds) {
    copy(next, at)
    next = at
    offsets[n++] = p - header
    framed.set(bytes, p)
    p += bytes.length
  }
  copy(next, baseCount)
  offsets[n] = bodyLength
  return { framed, header, offsets }
}

function isValidMode(body: Uint8Array, start: number, end: number): boolean {
  const length = end - start
  if (length !== 5 && length !== 6) return false
  for (let i = start; i < end; i++) if (body[i] < 0x30 || body[i] > 0x37) return false
  return true
}

/** Whether the entry at `start` is a tree: mode "40000" (or the legacy "040000" old tools wrote). */
export function isTreeAt(body: Uint8Array, start: number): boolean {
  return body[start] === 0x34 || (body[start] === 0x30 && body[start + 1] === 0x34)
}

/**
 * Git order between the flat entry `body[start, end)` and a name `key` of kind `keyIsTree`:
 * name bytes, a tree's name compared as if it ended in "/". Negative when the entry sorts first.
 */
function compareAt(body: Uint8Array, start: number, end: number, key: Uint8Array, keyIsTree: boolean): number {
  const entryIsTree = isTreeAt(body, start)
  let nameStart = start + 5
  if (body[nameStart] !== 0x20) nameStart++
  nameStart++
  const nameLength = end - 21 - nameStart
  const n = nameLength < key.length ? nameLength : key.length
  for (let i = 0; i < n; i++) {
    const d = body[nameStart + i] - key[i]
    if (d !== 0) return d
  }
  const a = nameLength > n ? body[nameStart + n] : entryIsTree ? 0x2f : -1
  const b = key.length > n ? key[n] : keyIsTree ? 0x2f : -1
  return a - b
}

/** Git order between two flat entries (of possibly different bodies). */
export function compareFlat(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const nameA = a.indexOf(0x20, aStart) + 1
  const nameB = b.indexOf(0x20, bStart) + 1
  const lengthA = aEnd - 21 - nameA
  const lengthB = bEnd - 21 - nameB
  const n = lengthA < lengthB ? lengthA : lengthB
  for (let k = 0; k < n; k++) {
    const d = a[nameA + k] - b[nameB + k]
    if (d !== 0) return d
  }
  const x = lengthA > n ? a[nameA + n] : isTreeAt(a, aStart) ? 0x2f : -1
  const y = lengthB > n ? b[nameB + n] : isTreeAt(b, bStart) ? 0x2f : -1
  return x - y
}

/** How many bytes from `aStart` and `bStart` are equal (at most `limit`), four at a time. */
function commonPrefix(a: DataView, aStart: number, b: DataView, bStart: number, limit: number): number {
  let k = 0
  while (k + 4 <= limit && a.getUint32(aStart + k) === b.getUint32(bStart + k)) k += 4
  while (k < limit && a.getUint8(aStart + k) === b.getUint8(bStart + k)) k++
  return k
}

/** Whether two flat entries are byte for byte the same, four bytes at a time. */
function sameBytes(a: DataView, aStart: number, aEnd: number, b: DataView, bStart: number, bEnd: number): boolean {
  const length = aEnd - aStart
  if (length !== bEnd - bStart) return false
  // The id is at the end and differs first when anything does: compare from the back.
  let k = length - 4
  for (; k >= 0; k -= 4) if (a.getUint32(aStart + k) !== b.getUint32(bStart + k)) return false
  for (k += 3; k >= 0; k--) if (a.getUint8(aStart + k) !== b.getUint8(bStart + k)) return false
  return true
}
