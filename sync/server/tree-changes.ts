/**
 * The entries of a tree that differ from a reference tree at the same path, read from the raw
 * tree bodies. Consecutive versions of a directory share almost every entry, so entries are
 * compared as bytes (mode, name, id) in one merge pass over both sorted lists, and only the ones
 * that differ are turned into hex ids: a history walk meets every version of every directory.
 */
import { toHex } from '../../core/index.js'

export interface ChangedEntry {
  readonly id: string
  readonly isTree: boolean
  readonly isGitlink: boolean
  /** The reference's entry of the same name and kind, when it is a tree: the subtree to compare with. */
  readonly before?: string
}

/** Entry starts and name ends (the NUL): the id is the 20 bytes after it. */
function offsets(body: Uint8Array): { starts: number[]; names: number[]; nuls: number[] } {
  const starts: number[] = []
  const names: number[] = []
  const nuls: number[] = []
  let p = 0
  while (p < body.length) {
    const space = body.indexOf(0x20, p)
    const nul = body.indexOf(0, space + 1)
    if (space < 0 || nul < 0 || nul + 21 > body.length) throw new Error('truncated tree entry')
    starts.push(p)
    names.push(space + 1)
    nuls.push(nul)
    p = nul + 21
  }
  return { starts, names, nuls }
}

const isTreeAt = (body: Uint8Array, start: number) => body[start] === 0x34 // "40000"
const isGitlinkAt = (body: Uint8Array, start: number) => body[start] === 0x31 && body[start + 1] === 0x36 // "160000"

/** Git's tree order on raw entries: name bytes, a tree's name compared as `name + "/"`. */
function compare(a: Uint8Array, aStart: number, aName: number, aNul: number, b: Uint8Array, bStart: number, bName: number, bNul: number): number {
  let i = aName
  let j = bName
  while (i < aNul && j < bNul) {
    if (a[i] !== b[j]) return a[i] - b[j]
    i++
    j++
  }
  const ta = i < aNul ? a[i] : isTreeAt(a, aStart) ? 0x2f : -1
  const tb = j < bNul ? b[j] : isTreeAt(b, bStart) ? 0x2f : -1
  return ta - tb
}

function sameEntry(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false
  for (let k = aEnd - aStart - 1; k >= 0; k--) if (a[aStart + k] !== b[bStart + k]) return false // ids differ at the end first
  return true
}

export function changedEntries(body: Uint8Array, reference: Uint8Array | undefined): ChangedEntry[] {
  const mine = offsets(body)
  const theirs = reference === undefined ? { starts: [], names: [], nuls: [] } : offsets(reference)
  const out: ChangedEntry[] = []
  let j = 0
  for (let i = 0; i < mine.starts.length; i++) {
    const start = mine.starts[i]
    const nul = mine.nuls[i]
    let c = 1
    while (j < theirs.starts.length && (c = compare(body, start, mine.names[i], nul, reference!, theirs.starts[j], theirs.names[j], theirs.nuls[j])) > 0) j++
    if (j >= theirs.starts.length) c = 1
    const isTree = isTreeAt(body, start)
    if (c === 0) {
      if (sameEntry(body, start, nul + 21, reference!, theirs.starts[j], theirs.nuls[j] + 21)) continue
      const before = isTree && isTreeAt(reference!, theirs.starts[j]) ? toHex(reference!, theirs.nuls[j] + 1, theirs.nuls[j] + 21) : undefined
      out.push({ id: toHex(body, nul + 1, nul + 21), isTree, isGitlink: isGitlinkAt(body, start), ...(before && { before }) })
    } else out.push({ id: toHex(body, nul + 1, nul + 21), isTree, isGitlink: isGitlinkAt(body, start) })
  }
  return out
}
