/**
 * Raw tree entries (`"<mode> <name>\0" + 20-byte id`, in git's tree order), located without
 * decoding names or ids: what the fetch walk's directory comparison and tree deltas work on.
 */
import { MalformedStreamError } from './errors.js'

export interface ScannedTree {
  /** Where each entry starts (its mode). */
  readonly starts: number[]
  /** Where each entry's name starts. */
  readonly names: number[]
  /** Each entry's NUL after the name: its id is the 20 bytes after it, and the entry ends there. */
  readonly nuls: number[]
}

export function scanTree(body: Uint8Array): ScannedTree {
  const starts: number[] = []
  const names: number[] = []
  const nuls: number[] = []
  let p = 0
  const end = body.length
  while (p < end) {
    // Plain loops: the fields are a few bytes long, too short for indexOf's native call to pay.
    let space = p
    while (space < end && body[space] !== 0x20) space++
    let nul = space + 1
    while (nul < end && body[nul] !== 0) nul++
    if (space >= end || nul >= end || nul + 21 > end) throw new MalformedStreamError('a tree with a truncated entry')
    starts.push(p)
    names.push(space + 1)
    nuls.push(nul)
    p = nul + 21
  }
  return { starts, names, nuls }
}

export const isTreeEntry = (body: Uint8Array, start: number) => body[start] === 0x34 // "40000"
export const isGitlinkEntry = (body: Uint8Array, start: number) => body[start] === 0x31 && body[start + 1] === 0x36 // "160000"

/** Git's tree order between entry `i` of `a` and entry `j` of `b` (a tree's name compared as `name + "/"`). */
export function compareEntries(a: Uint8Array, as: ScannedTree, i: number, b: Uint8Array, bs: ScannedTree, j: number): number {
  let p = as.names[i]
  let q = bs.names[j]
  const aNul = as.nuls[i]
  const bNul = bs.nuls[j]
  while (p < aNul && q < bNul) {
    if (a[p] !== b[q]) return a[p] - b[q]
    p++
    q++
  }
  const ta = p < aNul ? a[p] : isTreeEntry(a, as.starts[i]) ? 0x2f : -1
  const tb = q < bNul ? b[q] : isTreeEntry(b, bs.starts[j]) ? 0x2f : -1
  return ta - tb
}

/** Whether entry `i` of `a` and entry `j` of `b` are the same bytes (mode, name and id). */
export function sameEntry(a: Uint8Array, as: ScannedTree, i: number, b: Uint8Array, bs: ScannedTree, j: number): boolean {
  const aStart = as.starts[i]
  const bStart = bs.starts[j]
  const length = as.nuls[i] + 21 - aStart
  if (bs.nuls[j] + 21 - bStart !== length) return false
  for (let k = length - 1; k >= 0; k--) if (a[aStart + k] !== b[bStart + k]) return false // ids differ at the end first
  return true
}
