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

export class XNode {
  /** The git tree id, once computed (node-objects.ts). */
  id: string | undefined
  /** Whether the objects of this node (tree and blobs) are in the store. */
  stored = false
  private sorted: readonly string[] | undefined

  constructor(
    readonly value: Uint8Array,
    readonly perms: Uint8Array,
    readonly children: ReadonlyMap<string, XNode>,
    /** The children's names in git order, when known (a change of one child keeps them). */
    sorted?: readonly string[],
  ) {
    this.sorted = sorted
  }

  /** The children's names in the store's order (git's: the order `irmin ls` shows). */
  names(): readonly string[] {
    this.sorted ??= [...this.children.keys()].sort((a, b) => compareEntryNames(a, true, b, true))
    return this.sorted
  }

  withValue(value: Uint8Array): XNode {
    return new XNode(value, this.perms, this.children, this.sorted)
  }

  withPerms(perms: Uint8Array): XNode {
    return new XNode(this.value, perms, this.children, this.sorted)
  }

  /** This node with child `name` replaced (undefined: removed). */
  withChild(name: string, child: XNode | undefined): XNode {
    const children = new Map(this.children)
    const had = children.has(name)
    if (child === undefined) children.delete(name)
    else children.set(name, child)
    return new XNode(this.value, this.perms, children, had && child !== undefined ? this.sorted : undefined)
  }
}

const EMPTY = new Uint8Array(0)
const NO_CHILDREN: ReadonlyMap<string, XNode> = new Map()

export function newNode(perms: Uint8Array, value: Uint8Array = EMPTY): XNode {
  return new XNode(value, perms, NO_CHILDREN)
}

/** The node at `steps` below `root`, or undefined. */
export function nodeAt(root: XNode, steps: readonly string[], depth = steps.length): XNode | undefined {
  let node: XNode | undefined = root
  for (let i = 0; i < depth && node !== undefined; i++) node = node.children.get(steps[i]!)
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
  const child = root.children.get(name)
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
  for (const name of node.names()) yield* walkNodes(node.children.get(name)!, [...steps, name])
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
