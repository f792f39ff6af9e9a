/**
 * `Store<T>`: the view of one branch (or, read-only, of one commit).
 *
 * Reads see one immutable commit: the head at the moment of the call. Writes go through the
 * branch's write path (`core/write.ts`): build a new tree on the head, write it and a commit,
 * move the branch by compare-and-swap, and after a lost race carry the change onto the new head
 * serializably. No acknowledged write is lost, and a failed write leaves the branch as it was.
 */
import { Batch } from './batch.js'
import { COMMIT, type Commit, type CommitInfo, type CommitOptions } from './commit.js'
import { InvalidObjectIdError, NotFoundError, ReadOnlyError } from './errors.js'
import { isObjectId } from './hex.js'
import { type HistoryOptions, walkHistory } from './history.js'
import { mergeTrees, type TreeMergeOptions } from './merge/tree-merge.js'
import { frameObject } from './objects/frame.js'
import { formatPath, type Path, validatePath } from './path.js'
import { ReadSet } from './read-set.js'
import { branchRef } from './ref-name.js'
import type { RepoContext } from './repo-context.js'
import { Transaction } from './transaction.js'
import { Tree, type NodeKind } from './tree.js'
import type { WatchEvent } from './watch.js'
import { WriteHold } from './write-hold.js'
import { type Build, BranchWriter, type MergeOptions, type MergeOutcome, missingIsNotFound, type WriteOptions } from './write.js'

export type { MergeOptions, MergeOutcome, WriteOptions } from './write.js'

/** A change that reads nothing: building it again is replaying it; it merges with a concurrent one. */
function blind<T>(change: (tree: Tree<T>) => Promise<Tree<T>>): Build<T> {
  return async tree => ({ tree: await change(tree), replay: change, mergeable: true })
}

export class Store<T> {
  private readonly writer: BranchWriter<T> | undefined

  /** @internal Use `repo.branch(name)` or `repo.commit(id)`. */
  constructor(
    private readonly repo: RepoContext<T>,
    /** The branch this store writes, or undefined for a read-only commit view. */
    readonly branch: string | undefined,
    private readonly ref: string | undefined,
    private readonly fixedCommit: string | undefined,
  ) {
    this.writer = branch !== undefined && ref !== undefined ? new BranchWriter(repo, branch, ref) : undefined
  }

  /** The id of the commit reads see now, or undefined on a branch with no commits. */
  async headId(): Promise<string | undefined> {
    return this.ref === undefined ? this.fixedCommit : this.repo.backend.getRef(this.ref)
  }

  private async headCommit(): Promise<Commit | undefined> {
    const id = await this.headId()
    if (id === undefined) return undefined
    return this.repo.objects.peek(id, COMMIT) ?? this.repo.objects.load(id, COMMIT, this.branch ? `head of ${this.branch}` : 'commit')
  }

  async head(): Promise<CommitInfo | undefined> {
    return (await this.headCommit())?.info()
  }

  // The tree of the last head seen, so that repeated reads of an unchanged head reuse it.
  private lastTree: { commit: string | undefined; tree: Tree<T> } | undefined

  /** `generation`: the collector's, taken before the head was read (see `Tree.generation`). */
  private treeOfCommit(id: string | undefined, commit: Commit | undefined, generation: number): Tree<T> {
    if (this.lastTree !== undefined && this.lastTree.commit === id) return this.lastTree.tree
    const { objects, contents } = this.repo
    const tree = commit ? Tree.ofId(objects, contents, commit.tree, generation) : Tree.empty(objects, contents)
    this.lastTree = { commit: id, tree }
    return tree
  }

  /** The head tree without waiting, when the backend can say the head at once and it is cached. */
  private treeSync(): Tree<T> | undefined {
    const generation = this.repo.objects.gc.generation
    let id: string | undefined
    if (this.ref === undefined) id = this.fixedCommit
    else if (this.repo.backend.peekRef) id = this.repo.backend.peekRef(this.ref)
    else return undefined
    if (id === undefined || (this.lastTree !== undefined && this.lastTree.commit === id)) return this.treeOfCommit(id, undefined, generation)
    const commit = this.repo.objects.peek(id, COMMIT)
    return commit ? this.treeOfCommit(id, commit, generation) : undefined
  }

  /** The tree of the head commit (empty on a branch with no commits). */
  async tree(): Promise<Tree<T>> {
    const fast = this.treeSync()
    if (fast) return fast
    const generation = this.repo.objects.gc.generation
    const id = await this.headId()
    if (id === undefined) return this.treeOfCommit(undefined, undefined, generation)
    const commit = this.repo.objects.peek(id, COMMIT) ?? (await this.repo.objects.load(id, COMMIT, this.branch ? `head of ${this.branch}` : 'commit'))
    return this.treeOfCommit(id, commit, generation)
  }

  get(path: Path): Promise<T> {
    const tree = this.treeSync()
    return tree ? tree.get(path) : this.tree().then(t => t.get(path))
  }

  find(path: Path): Promise<T | undefined> {
    const tree = this.treeSync()
    return tree ? tree.find(path) : this.tree().then(t => t.find(path))
  }

  async list(path: Path = []): Promise<string[]> {
    return (await this.tree()).list(path)
  }

  async kind(path: Path): Promise<NodeKind | undefined> {
    return (await this.tree()).kind(path)
  }

  async findTree(path: Path): Promise<Tree<T> | undefined> {
    return (await this.tree()).findTree(path)
  }

  async getTree(path: Path): Promise<Tree<T>> {
    return (await this.tree()).getTree(path)
  }

  /** Sets `path` to `value` in a new commit; returns the head after the write. */
  async set(path: Path, value: T, options: WriteOptions = {}): Promise<CommitInfo | undefined> {
    validatePath(path)
    return this.writable().change(
      blind(tree => tree.set(path, value)),
      options,
      `set ${formatPath(path)}`,
    )
  }

  /** Removes `path` (a value or a whole directory); removing a missing path makes no commit. */
  async remove(path: Path, options: WriteOptions = {}): Promise<CommitInfo | undefined> {
    validatePath(path)
    return this.writable().change(
      blind(tree => tree.remove(path)),
      options,
      `remove ${formatPath(path)}`,
    )
  }

  /** Replaces the subtree at `path` (the whole tree for `[]`). */
  async setTree(path: Path, subtree: Tree<T>, options: WriteOptions = {}): Promise<CommitInfo | undefined> {
    validatePath(path)
    return this.writable().change(
      blind(tree => tree.setTree(path, subtree)),
      options,
      `set tree ${formatPath(path) || '/'}`,
    )
  }

  /**
   * Several changes in one commit, serializably. `fn` records them on `tx` and may read through
   * it (seeing its own changes). After a lost race, if something `fn` read changed, `fn` runs
   * again on the new head (keep it free of side effects); otherwise its changes are carried
   * over without running it again.
   */
  async batch(fn: (tx: Batch<T>) => void | Promise<void>, options: WriteOptions = {}): Promise<CommitInfo | undefined> {
    return this.writable().change(
      async tree => {
        const tx = new Batch(tree)
        await fn(tx)
        return { tree: await tx.result(), reads: tx.reads, replay: onto => tx.replayOn(onto) }
      },
      options,
      'batch',
    )
  }

  /**
   * An explicit transaction on this branch, for transactions that span many calls (see
   * `core/transaction.ts`): `await tx.get(p)`, `tx.set(q, v)`, …, then `await tx.commit()` (or
   * `tx.abort()`). It fails with `TransactionConflictError` if another writer changed what it read.
   */
  async transaction(): Promise<Transaction<T>> {
    const writer = this.writable()
    // The hold outlives this call: the transaction releases it on commit or abort.
    const hold = new WriteHold(this.repo)
    try {
      const head = await hold.head(writer.ref)
      return new Transaction(writer, hold, head, hold.treeOf(head))
    } catch (error) {
      hold.release()
      throw error
    }
  }

  /**
   * Replaces the subtree at `path` with `fn(subtree)` (undefined: no subtree there / remove it),
   * like Irmin's `with_tree`; `fn` runs again on the new head after a lost race in which the
   * subtree changed.
   */
  async withTree(
    path: Path,
    fn: (tree: Tree<T> | undefined) => Tree<T> | undefined | Promise<Tree<T> | undefined>,
    options: WriteOptions = {},
  ): Promise<CommitInfo | undefined> {
    validatePath(path)
    return this.writable().change(
      async tree => {
        const reads = new ReadSet()
        reads.read(path, 'tree')
        const next = await fn(await tree.findTree(path))
        // It writes only where it read: when that did not change, merging is running it after the winner.
        return { tree: next === undefined ? await tree.remove(path) : await tree.setTree(path, next), reads, mergeable: true }
      },
      options,
      `update ${formatPath(path) || '/'}`,
    )
  }

  /**
   * Sets `path` to `next` (undefined: removes it) only if it currently holds `expected`
   * (undefined: absent). Returns whether it did; the check and the write are one atomic step.
   */
  async testAndSet(path: Path, expected: T | undefined, next: T | undefined, options: CommitOptions = {}): Promise<boolean> {
    // The check must hold on the head the write lands on: never merge, always re-check.
    validatePath(path)
    const idOf = (value: T | undefined) =>
      value === undefined ? undefined : this.repo.objects.hash(frameObject('blob', this.repo.contents.encode(value)))
    const expectedId = idOf(expected)
    idOf(next) // validates `next` before anything is read
    let matched = false
    await this.writable().change(
      async tree => {
        matched = (await tree.findId(path)) === expectedId
        if (!matched) return undefined
        return { tree: next === undefined ? await tree.remove(path) : await tree.set(path, next) }
      },
      { ...options, strategy: 'reapply' },
      `test and set ${formatPath(path)}`,
    )
    return matched
  }

  /** The commits behind the head, newest first. */
  async *history(options: HistoryOptions = {}): AsyncGenerator<CommitInfo> {
    const head = await this.headId()
    if (head === undefined) return
    for await (const commit of walkHistory(this.repo.objects, [head], options)) yield commit.info()
  }

  /**
   * Calls `listener` after each change to this branch that touches `path` (default: anything),
   * with the changed values. Returns the function that stops watching.
   */
  watch(path: Path, listener: (event: WatchEvent<T>) => void): () => void
  watch(listener: (event: WatchEvent<T>) => void): () => void
  watch(pathOrListener: Path | ((event: WatchEvent<T>) => void), maybeListener?: (event: WatchEvent<T>) => void): () => void {
    const path = typeof pathOrListener === 'function' ? [] : pathOrListener
    const listener = typeof pathOrListener === 'function' ? pathOrListener : maybeListener!
    validatePath(path)
    if (this.ref === undefined) throw new ReadOnlyError('a commit view never changes; watch a branch')
    return this.repo.watches.add(this.branch!, this.ref, path, listener)
  }

  /**
   * Merges the commit `id` into this branch: fast-forward when the branch is behind it, nothing
   * when it already contains it, otherwise a merge commit (parents: the head, then `id`).
   * With conflicts and no `conflicts` resolution, throws `MergeConflictError` and changes nothing.
   */
  async mergeWithCommit(id: string, options: MergeOptions = {}): Promise<MergeOutcome<T>> {
    const writer = this.writable()
    if (!isObjectId(id)) throw new InvalidObjectIdError(id)
    return writer.merge(id, id.slice(0, 12), options)
  }

  /** Merges the head of `branch` into this branch (see `mergeWithCommit`). */
  async mergeWithBranch(branch: string, options: MergeOptions = {}): Promise<MergeOutcome<T>> {
    const writer = this.writable()
    const id = await this.repo.backend.getRef(branchRef(branch))
    if (id === undefined) throw new NotFoundError(`branch ${branch} (it has no commits)`)
    return writer.merge(id, branch, options)
  }

  /**
   * A new commit on this branch that undoes what commit `id` did (git's revert): the three-way
   * merge of the commit's parent into the head, against the commit itself; for a merge commit,
   * against its first parent. Conflicts (later commits changed the same paths) throw
   * `MergeConflictError` unless `options.conflicts` resolves them.
   */
  async revert(id: string, options: WriteOptions & TreeMergeOptions = {}): Promise<CommitInfo | undefined> {
    const writer = this.writable()
    if (!isObjectId(id)) throw new InvalidObjectIdError(id)
    return writer.holding(async hold => {
      const commit = await hold.commit(id).catch(missingIsNotFound(`commit ${id}`))
      const parent = commit.parents[0]
      // A parent outside the kept history (GC's window, a shallow clone) cannot be reverted against.
      const before = hold.treeOf(parent === undefined ? undefined : await hold.commit(parent).catch(missingIsNotFound(`commit ${parent}, parent of ${id}`)))
      const after = hold.treeOf(commit)
      const { conflicts, deleteModify } = options
      return writer.write(
        hold,
        async tree => ({ tree: (await mergeTrees(after, tree, before, { conflicts, deleteModify })).tree }),
        { ...options, strategy: 'reapply' },
        `revert ${id.slice(0, 12)}: ${commit.info().message.split('\n')[0]}`,
      )
    })
  }

  private writable(): BranchWriter<T> {
    if (this.writer === undefined) throw new ReadOnlyError(`commit ${this.fixedCommit} is a read-only view`)
    return this.writer
  }
}
