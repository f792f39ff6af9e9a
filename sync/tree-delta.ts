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

const COPY = 0x00
const SKIP = 0x01
const INSERT = 0x02

/** Where each entry of a tree body ends (the next starts there), and where its name starts and ends. */
function entryEnds(body: Uint8Array): number[] {
  return scan(body).ends
}

interface Scanned {
  readonly ends: number[]
  readonly names: number[]
  readonly nuls: number[]
}

function scan(body: Uint8Array): Scanned {
  const ends: number[] = []
  const names: number[] = []
  const nuls: number[] = []
  let p = 0
  while (p < body.length) {
    const space = body.indexOf(0x20, p)
    const nul = body.indexOf(0, space + 1)
    if (space < 0 || nul < 0 || nul + 21 > body.length) throw new MalformedStreamError('a delta base that is not a tree')
    names.push(space + 1)
    nuls.push(nul)
    p = nul + 21
    ends.push(p)
  }
  return { ends, names, nuls }
}

function sameBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false
  for (let k = aEnd - aStart - 1; k >= 0; k--) if (a[aStart + k] !== b[bStart + k]) return false
  return true
}

/** Git tree order on raw entries (a tree's name compared as `name + "/"`); `start` is the entry's mode. */
function compareEntries(a: Uint8Array, aStart: number, aName: number, aNul: number, b: Uint8Array, bStart: number, bName: number, bNul: number): number {
  let i = aName
  let j = bName
  while (i < aNul && j < bNul) {
    if (a[i] !== b[j]) return a[i] - b[j]
    i++
    j++
  }
  const ta = i < aNul ? a[i] : a[aStart] === 0x34 ? 0x2f : -1
  const tb = j < bNul ? b[j] : b[bStart] === 0x34 ? 0x2f : -1
  return ta - tb
}

/** The delta turning tree body `base` into `body`, or undefined when it would not be smaller. */
export function encodeTreeDelta(body: Uint8Array, base: Uint8Array): Uint8Array | undefined {
  const me = scan(body)
  const them = scan(base)
  const mine = me.ends
  const theirs = them.ends
  const ops: Array<[op: number, n: number, from?: number]> = []
  const push = (op: number, n: number, from?: number) => {
    const last = ops[ops.length - 1]
    if (last && last[0] === op) last[1] += n
    else ops.push([op, n, from])
  }
  let j = 0
  let start = 0
  for (let i = 0; i < mine.length; i++) {
    const end = mine[i]
    let c = 1
    while (j < theirs.length && (c = compareEntries(body, start, me.names[i], me.nuls[i], base, j === 0 ? 0 : theirs[j - 1], them.names[j], them.nuls[j])) > 0) {
      push(SKIP, 1)
      j++
    }
    if (j >= theirs.length) c = 1
    const baseStart = j === 0 ? 0 : theirs[j - 1]
    if (c === 0 && sameBytes(body, start, end, base, baseStart, theirs[j])) {
      push(COPY, 1)
      j++
    } else {
      if (c === 0) {
        push(SKIP, 1)
        j++
      }
      push(INSERT, end - start, start)
    }
    start = end
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
  const ends = entryEnds(base)
  const parts: Uint8Array[] = []
  let size = 0
  let j = 0
  let at = 0
  const view = new DataView(delta.buffer, delta.byteOffset, delta.byteLength)
  while (at < delta.length) {
    if (at + 5 > delta.length) throw new MalformedStreamError('a tree delta ends inside an operation')
    const op = delta[at]
    const n = view.getUint32(at + 1)
    at += 5
    if (op === COPY || op === SKIP) {
      if (j + n > ends.length) throw new MalformedStreamError('a tree delta reaches past its base')
      if (op === COPY) {
        const part = base.subarray(j === 0 ? 0 : ends[j - 1], ends[j + n - 1])
        parts.push(part)
        size += part.length
      }
      j += n
    } else if (op === INSERT) {
      if (at + n > delta.length) throw new MalformedStreamError('a tree delta inserts past its end')
      parts.push(delta.subarray(at, at + n))
      size += n
      at += n
    } else throw new MalformedStreamError(`a tree delta with operation 0x${op.toString(16)}`)
  }
  const out = new Uint8Array(size)
  let p = 0
  for (const part of parts) {
    out.set(part, p)
    p += part.length
  }
  return out
}
