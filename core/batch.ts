/**
 * The transaction handed to `store.batch`: it records changes against the head tree and reads
 * through them (a read after a `set` sees the new value). The recorded changes are applied in one
 * `Tree.update`, so each changed directory is built once however many keys change.
 */
import { validatePath, type Path } from './path.js'
import type { NodeKind, Tree, TreeOp } from './tree.js'

export class Batch<T> {
  private readonly ops: TreeOp<T>[] = []
  private applied: { count: number; tree: Tree<T> }

  constructor(base: Tree<T>) {
    this.applied = { count: 0, tree: base }
  }

  set(path: Path, value: T): void {
    validatePath(path)
    this.ops.push({ op: 'set', path, value })
  }

  remove(path: Path): void {
    validatePath(path)
    this.ops.push({ op: 'remove', path })
  }

  setTree(path: Path, tree: Tree<T>): void {
    validatePath(path)
    this.ops.push({ op: 'setTree', path, tree })
  }

  async get(path: Path): Promise<T> {
    return (await this.result()).get(path)
  }

  async find(path: Path): Promise<T | undefined> {
    return (await this.result()).find(path)
  }

  async list(path: Path = []): Promise<string[]> {
    return (await this.result()).list(path)
  }

  async kind(path: Path): Promise<NodeKind | undefined> {
    return (await this.result()).kind(path)
  }

  async findTree(path: Path): Promise<Tree<T> | undefined> {
    return (await this.result()).findTree(path)
  }

  /** The head tree with every change recorded so far applied. */
  async result(): Promise<Tree<T>> {
    if (this.applied.count < this.ops.length) {
      const count = this.ops.length
      const tree = await this.applied.tree.update(this.ops.slice(this.applied.count, count))
      this.applied = { count, tree }
    }
    return this.applied.tree
  }
}
