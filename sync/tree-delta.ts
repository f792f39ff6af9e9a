/**
 * Tree deltas (sync/PROTOCOL.md, TREE_DELTA frames): a tree as edits of a base tree the receiver
 * has, over their sorted entry lists. Consecutive versions of a directory differ in an entry or
 * two, so this sends a few dozen bytes where the whole tree would be kilobytes. The receiver
 * rebuilds the tree and checks that it hashes to its id, like any object.
 *
 * A delta is a sequence of operations, each `op: u8 | n: u32 BE`:
 * - `0x00` COPY: the next `n` entries of the base;
 * - `0x01` SKIP: leave out the next `n` entries of the base;
 * - `0x02` INSERT: the next `n` bytes of the delta are entries (`"<mode> <name>\0" + 20-byte id`).
 */
import { MalformedStreamError } from './errors.js'
import { compareEntries, sameEntry, scanTree, sharedEnds } from './tree-entries.js'

const COPY = 0x00
const SKIP = 0x01
const INSERT = 0x02

/** The delta turning tree body `base` into `body`, or undefined when it would not be smaller (`mine`, `theirs`, `shared`: their scans and shared ends, when made already). */
export function encodeTreeDelta(body: Uint8Array, base: Uint8Array, mine = scanTree(body), theirs = scanTree(base), shared = sharedEnds(body, mine, base, theirs)): Uint8Array | undefined {
  const ops: Array<[op: number, n: number, from?: number]> = []
  const push = (op: number, n: number, from?: number) => {
    const last = ops[ops.length - 1]
    if (last && last[0] === op) last[1] += n
    else ops.push([op, n, from])
  }
  // Only what lies between the entries both share at either end is merged; the shared runs are copied.
  const { head, mineTail, theirsTail } = shared
  if (head > 0) push(COPY, head)
  let j = head
  for (let i = head; i < mineTail; i++) {
    let c = 1
    while (j < theirsTail && (c = compareEntries(body, mine, i, base, theirs, j)) > 0) {
      push(SKIP, 1)
      j++
    }
    if (j >= theirsTail) c = 1
    if (c === 0 && sameEntry(body, mine, i, base, theirs, j)) {
      push(COPY, 1)
      j++
      continue
    }
    if (c === 0) {
      push(SKIP, 1)
      j++
    }
    const start = mine.starts[i]
    push(INSERT, mine.nuls[i] + 21 - start, start)
  }
  if (mine.starts.length > mineTail) {
    if (theirsTail > j) push(SKIP, theirsTail - j)
    push(COPY, mine.starts.length - mineTail)
  }
  let size = 0
  for (const [op, n] of ops) size += 5 + (op === INSERT ? n : 0)
  if (size >= body.length) return undefined
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let at = 0
  for (const [op, n, from] of ops) {
    out[at] = op
    view.setUint32(at + 1, n)
    at += 5
    if (op === INSERT) {
      out.set(body.subarray(from!, from! + n), at)
      at += n
    }
  }
  return out
}

/** The tree body the delta makes of `base`; a delta that does not fit its base is malformed. */
export function applyTreeDelta(base: Uint8Array, delta: Uint8Array): Uint8Array {
  return rebuild(base, entryEnds(base), delta, false).bytes
}

/** Where each entry of a tree body ends. */
export function entryEnds(body: Uint8Array): number[] {
  return scanTree(body).nuls.map(nul => nul + 21)
}

/**
 * `applyTreeDelta` for a receiver that keeps its bases: `baseEnds` are the base's entry ends
 * (`entryEnds`, or what this returned when the base was rebuilt itself), so the base is not
 * scanned again; the tree comes framed (`"tree <len>\0" + body`) and with its own entry ends.
 */
export function applyTreeDeltaFramed(base: Uint8Array, baseEnds: readonly number[], delta: Uint8Array): { framed: Uint8Array; ends: number[] } {
  const { bytes, ends } = rebuild(base, baseEnds, delta, true)
  return { framed: bytes, ends }
}

/**
 * Two passes over the delta: the first checks it and sizes the tree (bytes and entries), the
 * second copies straight into the result (a clone rebuilds tens of thousands of trees: no list
 * of parts, no scans, no growing arrays).
 */
function rebuild(base: Uint8Array, baseEnds: readonly number[], delta: Uint8Array, framed: boolean): { bytes: Uint8Array; ends: number[] } {
  let size = 0
  let count = 0
  let j = 0
  for (let at = 0; at < delta.length; ) {
    if (at + 5 > delta.length) throw new MalformedStreamError('a tree delta ends inside an operation')
    const op = delta[at]
    const n = u32At(delta, at + 1)
    at += 5
    if (op === COPY || op === SKIP) {
      if (j + n > baseEnds.length) throw new MalformedStreamError('a tree delta reaches past its base')
      if (op === COPY && n > 0) {
        size += baseEnds[j + n - 1]! - (j === 0 ? 0 : baseEnds[j - 1]!)
        count += n
      }
      j += n
    } else if (op === INSERT) {
      if (at + n > delta.length) throw new MalformedStreamError('a tree delta inserts past its end')
      // The inserted entries: each ends 20 bytes after its name's NUL.
      for (let q = at, end = at + n; q < end; count++) {
        while (q < end && delta[q] !== 0) q++
        if (q + 21 > end) throw new MalformedStreamError('a tree with a truncated entry')
        q += 21
      }
      size += n
      at += n
    } else throw new MalformedStreamError(`a tree delta with operation 0x${op.toString(16)}`)
  }
  const header = framed ? `tree ${size}\0` : ''
  const h = header.length
  // Every byte is written below.
  const out = allocate(h + size)
  for (let k = 0; k < h; k++) out[k] = header.charCodeAt(k)
  const ends = new Array<number>(count)
  let e = 0
  let p = h
  j = 0
  for (let at = 0; at < delta.length; ) {
    const op = delta[at]
    const n = u32At(delta, at + 1)
    at += 5
    if (op === COPY && n > 0) {
      const from = j === 0 ? 0 : baseEnds[j - 1]!
      const shift = p - h - from
      for (let k = j; k < j + n; k++) ends[e++] = baseEnds[k]! + shift
      const to = baseEnds[j + n - 1]!
      out.set(base.subarray(from, to), p)
      p += to - from
    }
    if (op === COPY || op === SKIP) j += n
    else {
      out.set(delta.subarray(at, at + n), p)
      for (let q = p, end = p + n; q < end; ) {
        while (out[q] !== 0) q++
        q += 21
        ends[e++] = q - h
      }
      p += n
      at += n
    }
  }
  return { bytes: out, ends }
}

function u32At(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0
}

/**
 * Room for a rebuilt tree: in Node, a view of a shared 256 KiB slab (a tree is a few KiB, and a
 * fresh Uint8Array's own memory was most of a rebuild's cost). In a browser, a Uint8Array of its
 * own: IndexedDB stores a view's whole buffer.
 */
const allocate: (size: number) => Uint8Array = typeof Buffer === 'function' ? fromSlab : size => new Uint8Array(size)

const SLAB = 256 * 1024
let slab = new Uint8Array(0)
let slabAt = 0

function fromSlab(size: number): Uint8Array {
  if (size > SLAB / 8) return new Uint8Array(size)
  if (slabAt + size > slab.length) {
    slab = new Uint8Array(SLAB)
    slabAt = 0
  }
  const out = slab.subarray(slabAt, slabAt + size)
  slabAt += size
  return out
}
