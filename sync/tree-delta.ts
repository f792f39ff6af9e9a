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
import { compareEntries, sameEntry, type ScannedTree, scanTree } from './tree-entries.js'

const COPY = 0x00
const SKIP = 0x01
const INSERT = 0x02

/** The delta turning tree body `base` into `body`, or undefined when it would not be smaller (`mine`, `theirs`: their scans, when made already). */
export function encodeTreeDelta(body: Uint8Array, base: Uint8Array, mine = scanTree(body), theirs = scanTree(base)): Uint8Array | undefined {
  const ops: Array<[op: number, n: number, from?: number]> = []
  const push = (op: number, n: number, from?: number) => {
    const last = ops[ops.length - 1]
    if (last && last[0] === op) last[1] += n
    else ops.push([op, n, from])
  }
  let j = 0
  for (let i = 0; i < mine.starts.length; i++) {
    let c = 1
    while (j < theirs.starts.length && (c = compareEntries(body, mine, i, base, theirs, j)) > 0) {
      push(SKIP, 1)
      j++
    }
    if (j >= theirs.starts.length) c = 1
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
  const entries = scanTree(base)
  const ends = entries.nuls.map(nul => nul + 21)
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
