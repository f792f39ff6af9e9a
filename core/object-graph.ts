/**
 * The links between objects, as fsck's single pass over every object records them, so that
 * connectivity is worked out afterwards without reading any object again (git's fsck does the
 * same). Each object listed or named gets a number on first sight (an IdTable from id to number,
 * the raw ids in one buffer), each listed object a kind, and each commit, tree and tag the numbers
 * of the objects it names (a commit: its tree first, then its parents). No JS object per object:
 * memory is about 80 bytes per object plus 4 bytes per link (tree entry, parent, commit tree, tag
 * target); a repository of 433,000 objects and 5 million tree entries takes ~55 MB.
 */
import { IdTable } from './id-table.js'
import { toHex, writeHex } from './hex.js'

/** Kinds: ABSENT until listed (named only, or unreadable), BROKEN when it failed its checks. */
export const ABSENT = 0
export const COMMIT = 1
export const TREE = 2
export const BLOB = 3
export const TAG = 4
export const BROKEN = 5

export class ObjectGraph {
  private readonly numbers = new IdTable()
  private ids = new Uint8Array(20 * 1024)
  kinds = new Uint8Array(1024)
  private linkStart = new Uint32Array(1024)
  private linkCount = new Uint32Array(1024)
  links = new Uint32Array(4096)
  private linkEnd = 0
  private opened = -1
  size = 0
  private readonly hexKey = new Uint8Array(20)

  /** The number of the id given as 20 raw bytes at `offset`, assigned on first sight. */
  numberRaw(bytes: Uint8Array, offset: number): number {
    const known = this.numbers.getRaw(bytes, offset)
    if (known !== undefined) return known
    const n = this.size++
    if (n === this.kinds.length) this.grow()
    this.ids.set(bytes.subarray(offset, offset + 20), n * 20)
    this.numbers.setRaw(bytes, offset, n)
    return n
  }

  number(id: string): number {
    writeHex(id, this.hexKey, 0)
    return this.numberRaw(this.hexKey, 0)
  }

  /** The id's number, or -1 when it was never seen. */
  find(id: string): number {
    return this.numbers.get(id) ?? -1
  }

  id(n: number): string {
    return toHex(this.ids, n * 20, n * 20 + 20)
  }

  /** Records object `n` as listed, of `kind`; links added next (with `link`) are its links. */
  record(n: number, kind: number): void {
    this.kinds[n] = kind
    this.linkStart[n] = this.linkEnd
    this.linkCount[n] = 0
    this.opened = n
  }

  /** Adds a link from the object last recorded to object `target`. */
  link(target: number): void {
    if (this.linkEnd === this.links.length) {
      const bigger = new Uint32Array(this.links.length * 2)
      bigger.set(this.links)
      this.links = bigger
    }
    this.links[this.linkEnd++] = target
    this.linkCount[this.opened]++
  }

  /** Drops the links of the object last recorded (it turned out damaged) and marks it `kind`. */
  unlink(kind: number): void {
    this.linkEnd = this.linkStart[this.opened]
    this.linkCount[this.opened] = 0
    this.kinds[this.opened] = kind
  }

  start(n: number): number {
    return this.linkStart[n]
  }

  count(n: number): number {
    return this.linkCount[n]
  }

  private grow(): void {
    const capacity = this.kinds.length * 2
    const ids = new Uint8Array(capacity * 20)
    ids.set(this.ids)
    this.ids = ids
    const kinds = new Uint8Array(capacity)
    kinds.set(this.kinds)
    this.kinds = kinds
    const start = new Uint32Array(capacity)
    start.set(this.linkStart)
    this.linkStart = start
    const count = new Uint32Array(capacity)
    count.set(this.linkCount)
    this.linkCount = count
  }
}

export interface Connectivity {
  /** Objects reachable from the heads and listed (damaged ones included: they are reported apart). */
  reached: number
  /** Objects named by a reachable commit, tree or tag, or given as heads, but absent. */
  missing: string[]
  /** Commits with an absent parent: where history ends early. */
  boundary: string[]
}

/**
 * What is reachable from `heads` along the recorded links: tags to what they tag, commits to
 * their tree and parents (not past `shallow` commits, git's recorded ends of history), trees to
 * their entries. An absent parent ends its line of history (its child is a boundary); anything
 * else absent is missing. Damaged objects are not descended into.
 */
export function connectivity(graph: ObjectGraph, heads: readonly string[], shallow: ReadonlySet<string>): Connectivity {
  const result: Connectivity = { reached: 0, missing: [], boundary: [] }
  const seen = new Uint8Array(graph.size)
  const ends = new Set<number>()
  for (const id of shallow) {
    const n = graph.find(id)
    if (n >= 0) ends.add(n)
  }
  const stack: number[] = []
  const boundary = new Set<number>()
  const visit = (n: number, child: number) => {
    // Every child of an absent parent is a boundary, however many there are and whichever the
    // walk meets first (a merge and a branch may share the lost parent).
    if (child >= 0 && graph.kinds[n] === ABSENT) boundary.add(child)
    if (seen[n]) return
    seen[n] = 1
    if (graph.kinds[n] !== ABSENT) stack.push(n)
    else if (child < 0) result.missing.push(graph.id(n))
  }
  for (const id of heads) {
    const n = graph.find(id)
    if (n < 0) result.missing.push(id)
    else visit(n, -1)
  }
  const { kinds, links } = graph
  // Tags first, down their chains (the stack grows as they are followed): what a tag names is a
  // head, so an absent commit a tag names is missing even when a child names it as its parent.
  for (let k = 0; k < stack.length; k++) {
    const n = stack[k]
    if (kinds[n] !== TAG) continue
    const start = graph.start(n)
    for (let i = start; i < start + graph.count(n); i++) visit(links[i], -1)
  }
  while (stack.length > 0) {
    const n = stack.pop()!
    result.reached++
    const kind = kinds[n]
    const start = graph.start(n)
    const end = start + graph.count(n)
    if (kind === COMMIT) {
      visit(links[start], -1)
      if (!ends.has(n)) for (let i = start + 1; i < end; i++) visit(links[i], n)
    } else if (kind === TREE) {
      for (let i = start; i < end; i++) visit(links[i], -1)
    }
  }
  for (const n of boundary) result.boundary.push(graph.id(n))
  return result
}
