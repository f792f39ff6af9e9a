/**
 * The changes of one transaction (`store.batch`, `store.transaction()`): recorded against the
 * tree they start from and read through (a read after a `set` sees the new value). Every read
 * that depends on the starting tree is noted in `reads`, so that a transaction that lost its
 * branch to another writer can tell whether what it read still holds. The recorded changes are
 * applied in one `Tree.update`, so each changed directory is built once however many keys change.
 */
import { validatePath, type Path } from './path.js'
import { ReadSet } from './read-set.js'
import type { NodeKind, Tree, TreeOp } from './tree.js'

export class Batch<T> {
  private readonly ops: TreeOp<T>[] = []
  private applied: { count: number; tree: Tree<T> }
  /** The reads that depend on the starting tree. */
  readonly reads = new ReadSet()

  constructor(base: Tree<T>) {
    this.applied = { count: 0, tree: base }
  }

  /** `mode`: the git mode of the entry (default `100644`; `100755` executable, `120000` symlink). */
  set(path: Path, value: T, mode?: string): void {
    this.record(mode === undefined ? { op: 'set', path, value } : { op: 'set', path, value, mode })
  }

  remove(path: Path): void {
    this.record({ op: 'remove', path })
  }

  setTree(path: Path, tree: Tree<T>): void {
    this.record({ op: 'setTree', path, tree })
  }

  /** A file whose blob `id` is stored already (see `ObjectStore.adopt`). */
  link(path: Path, id: string, mode?: string): void {
    this.record(mode === undefined ? { op: 'link', path, id } : { op: 'link', path, id, mode })
  }

  /** Any of the above as a `TreeOp` (what `Tree.update` takes): replays recorded changes. */
  apply(op: TreeOp<T>): void {
    this.record(op)
  }

  private record(op: TreeOp<T>): void {
    validatePath(op.path)
    this.ops.push(op)
    this.reads.wrote(op.path)
  }

  async get(path: Path): Promise<T> {
    this.reads.read(path, 'value')
    return (await this.result()).get(path)
  }

  async find(path: Path): Promise<T | undefined> {
    this.reads.read(path, 'value')
    return (await this.result()).find(path)
  }

  async list(path: Path = []): Promise<string[]> {
    this.reads.read(path, 'list')
    return (await this.result()).list(path)
  }

  async kind(path: Path): Promise<NodeKind | undefined> {
    this.reads.read(path, 'kind')
    return (await this.result()).kind(path)
  }

  /** The subtree at `path`: everything in it counts as read. */
  async findTree(path: Path): Promise<Tree<T> | undefined> {
    this.reads.read(path, 'tree')
    return (await this.result()).findTree(path)
  }

  /** Whether any change was recorded. */
  get changes(): boolean {
    return this.ops.length > 0
  }

  /** The starting tree with every change recorded so far applied. */
  async result(): Promise<Tree<T>> {
    if (this.applied.count < this.ops.length) {
      const count = this.ops.length
      const tree = await this.applied.tree.update(this.ops.slice(this.applied.count, count))
      this.applied = { count, tree }
    }
    return this.applied.tree
  }

  /** The recorded changes applied to another tree (valid while what was read there still holds). */
  replayOn(tree: Tree<T>): Promise<Tree<T>> {
    return tree.update(this.ops)
  }
}
