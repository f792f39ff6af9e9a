/**
 * The Xenstore as the daemon holds it: an immutable tree of nodes in memory (C xenstored and
 * oxenstored keep theirs in memory too), the state the last commit on the branch records. A
 * change copies the nodes on its path and shares the rest, so every state stays valid as long as
 * something holds it: a transaction's fork is just the root it started from, and a commit is
 * built from the root its change made, however many changes came after.
 *
 * A node is the store's tree `a/b` with blobs `.v` (value) and `.p` (perms, wire form) and a
 * subtree per child (see nodes.ts); `node-objects.ts` turns nodes into those git objects.
 */
import { compareEntryNames } from '../core/objects/git-tree.js'

/** Children up to this many are found by a scan, more by a binary search. */
const SCAN_MAX = 8

export class XNode {
  /** The git tree id, once computed (node-objects.ts). */
  id: string | undefined
  /** Whether the objects of this node (tree and blobs) are in the store. */
  stored = false

  /**
   * Children are two parallel arrays in the store's order (git's: the order `irmin ls` shows),
   * not a Map: a change copies every node above it, and copying a few array slots costs far less
   * than rebuilding a Map (on the benchmark's writes, a quarter of all the memory a request took).
   */
  constructor(
    readonly value: Uint8Array,
    readonly perms: Uint8Array,
    /** The children's names in git order. */
    readonly names: readonly string[],
    /** The children, `names[i]` at `kids[i]`. */
    readonly kids: readonly XNode[],
  ) {}

  /** The child `name`, or undefined. */
  child(name: string): XNode | undefined {
    const at = indexOf(this.names, name)
    return at >= 0 ? this.kids[at] : undefined
  }

  withValue(value: Uint8Array): XNode {
    return new XNode(value, this.perms, this.names, this.kids)
  }

  withPerms(perms: Uint8Array): XNode {
    return new XNode(this.value, perms, this.names, this.kids)
  }

  /** This node with child `name` replaced (undefined: removed). */
  withChild(name: string, child: XNode | undefined): XNode {
    const at = indexOf(this.names, name)
    if (at >= 0) {
      const kids = this.kids.slice()
      if (child !== undefined) {
        kids[at] = child
        return new XNode(this.value, this.perms, this.names, kids)
      }
      const names = this.names.slice()
      names.splice(at, 1)
      kids.splice(at, 1)
      return new XNode(this.value, this.perms, names, kids)
    }
    if (child === undefined) return this
    const names = this.names.slice()
    const kids = this.kids.slice()
    names.splice(-at - 1, 0, name)
    kids.splice(-at - 1, 0, child)
    return new XNode(this.value, this.perms, names, kids)
  }
}

/** Git's order of tree entries (each child is a tree: `a` sorts as `a/`). */
export function treeOrder(a: string, b: string): number {
  return compareEntryNames(a, true, b, true)
}

/** Where `name` is in `names` (git order), or `-(where it would go) - 1`. */
function indexOf(names: readonly string[], name: string): number {
  if (names.length <= SCAN_MAX) {
    for (let i = 0; i < names.length; i++) if (names[i] === name) return i
    let i = 0
    while (i < names.length && treeOrder(names[i]!, name) < 0) i++
    return -i - 1
  }
  let low = 0
  let high = names.length - 1
  while (low <= high) {
    const mid = (low + high) >>> 1
    const order = treeOrder(names[mid]!, name)
    if (order === 0) return mid
    if (order < 0) low = mid + 1
    else high = mid - 1
  }
  return -low - 1
}

const EMPTY = new Uint8Array(0)
const NONE: readonly never[] = []

export function newNode(perms: Uint8Array, value: Uint8Array = EMPTY): XNode {
  return new XNode(value, perms, NONE, NONE)
}

/** The node at `steps` below `root`, or undefined. */
export function nodeAt(root: XNode, steps: readonly string[], depth = steps.length): XNode | undefined {
  let node: XNode | undefined = root
  for (let i = 0; i < depth && node !== undefined; i++) node = node.child(steps[i]!)
  return node
}

/**
 * `root` with the node at `steps` replaced by `change(node)` (undefined: removed), copying the
 * nodes above it; `root` itself when nothing changed. Every node above must exist.
 */
export function updateAt(root: XNode, steps: readonly string[], change: (node: XNode | undefined) => XNode | undefined, depth = 0): XNode {
  if (depth === steps.length) {
    const next = change(root)
    if (next === undefined) throw new Error('the root cannot be removed')
    return next
  }
  const name = steps[depth]!
  const child = root.child(name)
  let next: XNode | undefined
  if (depth === steps.length - 1) next = change(child)
  else {
    if (child === undefined) throw new Error(`no node /${steps.slice(0, depth + 1).join('/')} to change below`)
    next = updateAt(child, steps, change, depth + 1)
  }
  return next === child ? root : root.withChild(name, next)
}

/** Every node of the subtree, with its steps below `node`, parents before children. */
export function* walkNodes(node: XNode, steps: string[] = []): Generator<[steps: string[], node: XNode]> {
  yield [steps, node]
  for (let i = 0; i < node.names.length; i++) yield* walkNodes(node.kids[i]!, [...steps, node.names[i]!])
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
