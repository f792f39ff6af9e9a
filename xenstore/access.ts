/**
 * Reading and changing the in-memory tree (node-tree.ts) for one request or one transaction.
 *
 * A transaction (`reads` given) is its fork: it starts from the root at TRANSACTION_START, sees
 * its own changes, and notes what it read, as the store's `ReadSet` does: each read is a path and
 * what was asked of it (value, perms, the children's names, a whole subtree), unless its own
 * earlier changes decide the answer. At TRANSACTION_END, `changedReads` tells whether any of
 * those answers differ on the head (EAGAIN), and `replayOn` carries its recorded changes onto
 * the head when none does: exactly what running it after the changes committed meanwhile gives.
 */
import { newNode, nodeAt, sameBytes, updateAt, XNode } from './node-tree.js'
import type { NodeObjects } from './node-objects.js'

type ReadKind = 'value' | 'perms' | 'list' | 'tree'
interface Read {
  readonly steps: readonly string[]
  readonly kind: ReadKind
}
type Op =
  | { readonly op: 'value' | 'perms'; readonly steps: readonly string[]; readonly bytes: Uint8Array }
  | { readonly op: 'remove'; readonly steps: readonly string[] }

export class NodeAccess {
  /** What it changed, in order (kept for a transaction only). */
  readonly ops: Op[] = []
  private readonly reads: Map<string, Read> | undefined
  /** Keys (`/a/b`, `/a/b/.v`) of what it changed: reads at or below them see its own change. */
  private readonly written: Set<string> | undefined

  constructor(
    public root: XNode,
    tracking = false,
  ) {
    this.reads = tracking ? new Map() : undefined
    this.written = tracking ? new Set() : undefined
  }

  /** The node's value (undefined: no such node). */
  value(steps: readonly string[]): Uint8Array | undefined {
    this.note(steps, 'value')
    return nodeAt(this.root, steps)?.value
  }

  /** The node's perms, stored form (undefined: no such node). */
  perms(steps: readonly string[], depth = steps.length): Uint8Array | undefined {
    this.note(depth === steps.length ? steps : steps.slice(0, depth), 'perms')
    return nodeAt(this.root, steps, depth)?.perms
  }

  /** The children's names, in git's order (none for a missing node). */
  list(steps: readonly string[]): readonly string[] {
    this.note(steps, 'list')
    return nodeAt(this.root, steps)?.names ?? []
  }

  /** The whole subtree: everything in it counts as read. */
  subtree(steps: readonly string[]): XNode | undefined {
    this.note(steps, 'tree')
    return nodeAt(this.root, steps)
  }

  setValue(steps: readonly string[], bytes: Uint8Array): void {
    this.change({ op: 'value', steps, bytes })
  }

  /** Sets the perms, creating the node (empty value) when missing; its parent must exist. */
  setPerms(steps: readonly string[], bytes: Uint8Array): void {
    this.change({ op: 'perms', steps, bytes })
  }

  remove(steps: readonly string[]): void {
    this.change({ op: 'remove', steps })
  }

  get changed(): boolean {
    return this.ops.length > 0
  }

  /** The recorded changes applied to `root` (valid when `changedReads(…, root)` is empty). */
  replayOn(root: XNode): XNode {
    for (const op of this.ops) root = apply(root, op)
    return root
  }

  /** Whether a read answers differently on `head` than on `base` (the fork's start). */
  changedReads(base: XNode, head: XNode, objects: NodeObjects): boolean {
    if (base === head || this.reads === undefined) return false
    for (const read of this.reads.values()) if (answersDiffer(read, base, head, objects)) return true
    return false
  }

  private change(op: Op): void {
    this.root = apply(this.root, op)
    if (this.written === undefined) return
    this.ops.push(op)
    const key = keyOf(op.steps)
    this.written.add(op.op === 'remove' ? key : `${key}/${op.op === 'value' ? '.v' : '.p'}`)
  }

  private note(steps: readonly string[], kind: ReadKind): void {
    if (this.reads === undefined) return
    let key = ''
    if (this.written!.size > 0) {
      if (this.written!.has(key)) return
      for (const step of steps) {
        key += `/${step}`
        if (this.written!.has(key)) return
      }
      if (kind === 'value' && this.written!.has(`${key}/.v`)) return
      if (kind === 'perms' && this.written!.has(`${key}/.p`)) return
    } else key = keyOf(steps)
    const id = `${kind}${key}`
    if (!this.reads.has(id)) this.reads.set(id, { steps: [...steps], kind })
  }
}

const keyOf = (steps: readonly string[]): string => (steps.length === 0 ? '' : `/${steps.join('/')}`)

function apply(root: XNode, op: Op): XNode {
  if (op.op === 'remove') return updateAt(root, op.steps, () => undefined)
  const { bytes } = op
  if (op.op === 'perms') return updateAt(root, op.steps, node => (node === undefined ? newNode(bytes) : sameBytes(node.perms, bytes) ? node : node.withPerms(bytes)))
  return updateAt(root, op.steps, node => {
    if (node === undefined) throw new Error(`no node /${op.steps.join('/')} to set the value of`)
    return sameBytes(node.value, bytes) ? node : node.withValue(bytes)
  })
}

function answersDiffer({ steps, kind }: Read, base: XNode, head: XNode, objects: NodeObjects): boolean {
  const a = nodeAt(base, steps)
  const b = nodeAt(head, steps)
  if (a === b) return false
  if (a === undefined || b === undefined) return true
  if (kind === 'value') return !sameBytes(a.value, b.value)
  if (kind === 'perms') return !sameBytes(a.perms, b.perms)
  if (kind === 'list') {
    const x = a.names
    const y = b.names
    return x.length !== y.length || x.some((name, i) => name !== y[i])
  }
  return objects.treeId(a) !== objects.treeId(b)
}
