/**
 * What a fetched pack brought and what it links to, for two questions git's own client asks of
 * a pack too: is it connected (every object the new refs reach is here or was already), and —
 * after an interrupted transfer — which arrived commits are whole (their trees and history all
 * here), so they can be named as haves next time. A pack lists commits first, then trees and
 * blobs, so a commit arriving says nothing about its closure; this graph does.
 */
import type { Backend } from '../../core/index.js'
import { commitLinks } from '../../sync/commit-links.js'
import { isGitlinkEntry, isTreeEntry, scanTree } from '../../sync/tree-entries.js'
import type { PackObject } from '../pack-parser.js'

export class ArrivedGraph {
  private readonly arrived = new Set<string>()
  /** Commit → [tree, ...parents]; tree → children; tag → [object]. Blobs have none. */
  private readonly links = new Map<string, string[]>()
  private readonly commits: string[] = []
  private readonly commitSet = new Set<string>()

  /** `blobs`: false when the fetch asked for no blobs (a filter), so trees may name absent ones. */
  constructor(private readonly blobs = true) {}

  get size(): number {
    return this.arrived.size
  }

  add(object: PackObject): void {
    this.arrived.add(object.id)
    if (object.type === 'commit') {
      const { tree, parents } = commitLinks(object.id, object.body)
      this.links.set(object.id, [tree, ...parents])
      this.commits.push(object.id)
      this.commitSet.add(object.id)
    } else if (object.type === 'tree') {
      const body = object.body
      const scanned = scanTree(body)
      const children: string[] = []
      for (let i = 0; i < scanned.starts.length; i++) {
        const start = scanned.starts[i]!
        if (isGitlinkEntry(body, start) || (!this.blobs && !isTreeEntry(body, start))) continue
        children.push(hex(body.subarray(scanned.nuls[i]! + 1, scanned.nuls[i]! + 21)))
      }
      this.links.set(object.id, children)
    } else if (object.type === 'tag') {
      this.links.set(object.id, [tagTarget(object.body)])
    }
  }

  /** The arrived commits on the first-parent line from each of `wants`, oldest first. */
  firstParentLines(wants: readonly string[]): string[] {
    const out: string[] = []
    const seen = new Set<string>()
    for (const want of wants) {
      const line: string[] = []
      for (let id: string | undefined = want; id !== undefined && this.links.has(id) && this.commitSet.has(id) && !seen.has(id); id = this.links.get(id)![1]) {
        seen.add(id)
        line.push(id)
      }
      out.push(...line.reverse())
    }
    return out
  }

  /** Ids the arrived objects (and `wants`) link to that neither arrived nor are in `backend`. */
  async missing(backend: Backend, wants: readonly string[], shallow: ReadonlySet<string>): Promise<string[]> {
    const outside = new Set<string>()
    for (const id of wants) if (!this.arrived.has(id)) outside.add(id)
    for (const [id, targets] of this.links) {
      // A shallow boundary's parents are absent by design.
      const named = shallow.has(id) ? targets.slice(0, 1) : targets
      for (const target of named) if (!this.arrived.has(target)) outside.add(target)
    }
    const ids = [...outside]
    const present = ids.length === 0 ? [] : await backend.hasObjects(ids)
    return ids.filter((_, i) => !present[i])
  }

  /**
   * What arrived whole: trees whose subtrees and blobs are all here, commits whose tree and
   * history are, and the newest of those commits (none is another's parent) as `tips`.
   */
  async whole(backend: Backend, shallow: ReadonlySet<string>): Promise<{ trees: string[]; commits: string[]; tips: string[] }> {
    const outside = new Set<string>()
    for (const targets of this.links.values()) for (const target of targets) if (!this.arrived.has(target)) outside.add(target)
    const ids = [...outside]
    const presentList = ids.length === 0 ? [] : await backend.hasObjects(ids)
    const present = new Set(ids.filter((_, i) => presentList[i]))
    const treeWhole = new Map<string, boolean>()
    const isTreeWhole = (id: string): boolean => {
      const known = treeWhole.get(id)
      if (known !== undefined) return known
      // Objects the store held before are whole (the store's invariant); arrived ones are if their children are.
      const whole = this.arrived.has(id) ? (this.links.get(id) ?? []).every(isTreeWhole) : present.has(id)
      treeWhole.set(id, whole)
      return whole
    }
    const commitWhole = new Map<string, boolean>()
    // Parents before children, iteratively: histories are deeper than the call stack.
    for (const start of this.commits) {
      const stack = [start]
      while (stack.length > 0) {
        const id = stack[stack.length - 1]!
        if (commitWhole.has(id)) {
          stack.pop()
          continue
        }
        const [tree, ...parents] = this.links.get(id)!
        const pending = shallow.has(id) ? [] : parents.filter((p) => this.arrived.has(p) && !commitWhole.has(p))
        if (pending.length > 0) {
          stack.push(...pending)
          continue
        }
        const parentsWhole = shallow.has(id) || parents.every((p) => (this.arrived.has(p) ? commitWhole.get(p) : present.has(p)))
        commitWhole.set(id, parentsWhole && isTreeWhole(tree!))
        stack.pop()
      }
    }
    const commits = this.commits.filter((id) => commitWhole.get(id))
    const named = new Set(commits.flatMap((id) => this.links.get(id)!.slice(1)))
    const trees = [...this.links.keys()].filter((id) => !commitWhole.has(id) && this.arrived.has(id) && treeWhole.get(id) === true)
    return { trees, commits, tips: commits.filter((id) => !named.has(id)) }
  }
}

function tagTarget(body: Uint8Array): string {
  return new TextDecoder().decode(body.subarray(7, 47)) // "object <id>\n"
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
}
