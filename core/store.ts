/**
 * `Store<T>`: the view of one branch (or, read-only, of one commit).
 *
 * Reads see one immutable commit: the head at the moment of the call. Every write builds a new
 * tree from the current head, writes its new objects and the commit in one batch, then moves the
 * branch with the backend's compare-and-swap. If another writer moved the branch meanwhile, the
 * change is re-applied to the new head and tried again, so no writer's update is ever lost and a
 * failed write leaves the branch as it was.
 */
import { Batch } from './batch.js'
import { buildGitCommit, Commit, COMMIT, type CommitInfo, type CommitOptions } from './commit.js'
import { ConcurrentUpdateError, InvalidObjectIdError, MergeConflictError, NotFoundError, ReadOnlyError } from './errors.js'
import { isObjectId } from './hex.js'
import { type CommitMergeOptions, mergeCommits } from './merge/commit-merge.js'
import { type Conflict, mergeTrees, type TreeMergeOptions } from './merge/tree-merge.js'
import { branchRef } from './ref-name.js'
import type { WriteTracking } from './gc-coordinator.js'
import { type HistoryOptions, walkHistory } from './history.js'
import { frameObject } from './objects/frame.js'
import { serializeCommit } from './objects/git-commit.js'
import { formatPath, type Path, validatePath } from './path.js'
import type { RepoContext } from './repo-context.js'
import { Tree, type NodeKind } from './tree.js'
import type { WatchEvent } from './watch.js'

interface WriteGuard {
  readonly tracking: WriteTracking
  readonly pins: Array<() => void>
  release(): void
}

/** Options of a write: the commit's, and how a lost race is recovered from. */
export interface WriteOptions extends CommitOptions {
  /**
   * After another writer moved the branch first: `'merge'` (default) three-way merges this
   * change onto the new head, falling back to building it again on conflict; `'reapply'`
   * always builds it again (a `batch` callback then runs again).
   */
  strategy?: 'merge' | 'reapply'
}

export interface MergeOptions extends CommitOptions, CommitMergeOptions {
  /** `false` makes a merge commit even when the branch could simply move forward (git's --no-ff). */
  fastForward?: boolean
}

export interface MergeOutcome<T> {
  kind: 'up-to-date' | 'fast-forward' | 'merge'
  /** The branch head after the merge. */
  head: CommitInfo
  /** Conflicts met and resolved as `options.conflicts` asked (empty otherwise). */
  conflicts: Conflict<T>[]
}

/** How a change is computed from the current tree; `undefined` abandons the write. */
type Build<T> = (tree: Tree<T>, head: Commit | undefined) => Promise<Tree<T> | undefined>

export class Store<T> {
  /** @internal Use `repo.branch(name)` or `repo.commit(id)`. */
  constructor(
    private readonly repo: RepoContext<T>,
    /** The branch this store writes, or undefined for a read-only commit view. */
    readonly branch: string | undefined,
    private readonly ref: string | undefined,
    private readonly fixedCommit: string | undefined,
  ) {}

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

  private treeOfCommit(id: string | undefined, commit: Commit | undefined): Tree<T> {
    if (this.lastTree !== undefined && this.lastTree.commit === id) return this.lastTree.tree
    const tree = commit ? this.repo.treeOf(commit.tree) : this.repo.emptyTree()
    this.lastTree = { commit: id, tree }
    return tree
  }

  /** The head tree without waiting, when the backend can say the head at once and it is cached. */
  private treeSync(): Tree<T> | undefined {
    let id: string | undefined
    if (this.ref === undefined) id = this.fixedCommit
    else if (this.repo.backend.peekRef) id = this.repo.backend.peekRef(this.ref)
    else return undefined
    if (id === undefined || (this.lastTree !== undefined && this.lastTree.commit === id)) return this.treeOfCommit(id, undefined)
    const commit = this.repo.objects.peek(id, COMMIT)
    return commit ? this.treeOfCommit(id, commit) : undefined
  }

  /** The tree of the head commit (empty on a branch with no commits). */
  async tree(): Promise<Tree<T>> {
    const fast = this.treeSync()
    if (fast) return fast
    const id = await this.headId()
    if (id === undefined) return this.treeOfCommit(undefined, undefined)
    const commit = this.repo.objects.peek(id, COMMIT) ?? (await this.repo.objects.load(id, COMMIT, this.branch ? `head of ${this.branch}` : 'commit'))
    return this.treeOfCommit(id, commit)
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
  set(path: Path, value: T, options: WriteOptions = {}): Promise<CommitInfo | undefined> {
    validatePath(path)
    return this.write(tree => tree.set(path, value), options, `set ${formatPath(path)}`)
  }

  /** Removes `path` (a value or a whole directory); removing a missing path makes no commit. */
  remove(path: Path, options: WriteOptions = {}): Promise<CommitInfo | undefined> {
    validatePath(path)
    return this.write(tree => tree.remove(path), options, `remove ${formatPath(path)}`)
  }

  /** Replaces the subtree at `path` (the whole tree for `[]`). */
  setTree(path: Path, subtree: Tree<T>, options: WriteOptions = {}): Promise<CommitInfo | undefined> {
    validatePath(path)
    return this.write(tree => tree.setTree(path, subtree), options, `set tree ${formatPath(path) || '/'}`)
  }

  /**
   * Several changes in one commit. `fn` records them on `tx` (and may read through it, seeing its
   * own changes). On a lost race `fn` runs again on the new head, so keep it free of side effects.
   */
  batch(fn: (tx: Batch<T>) => void | Promise<void>, options: WriteOptions = {}): Promise<CommitInfo | undefined> {
    return this.write(
      async tree => {
        const tx = new Batch(tree)
        await fn(tx)
        return tx.result()
      },
      options,
      'batch',
    )
  }

  /**
   * Replaces the subtree at `path` with `fn(subtree)` (undefined: no subtree there / remove it),
   * like Irmin's `with_tree`; `fn` runs again on the new head after a lost race.
   */
  withTree(
    path: Path,
    fn: (tree: Tree<T> | undefined) => Tree<T> | undefined | Promise<Tree<T> | undefined>,
    options: WriteOptions = {},
  ): Promise<CommitInfo | undefined> {
    validatePath(path)
    return this.write(
      async tree => {
        const next = await fn(await tree.findTree(path))
        return next === undefined ? tree.remove(path) : tree.setTree(path, next)
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
    await this.write(
      async tree => {
        matched = (await tree.findId(path)) === expectedId
        if (!matched) return undefined
        return next === undefined ? tree.remove(path) : tree.set(path, next)
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
    return this.mergeFrom(id, id.slice(0, 12), options)
  }

  /** Merges the head of `branch` into this branch (see `mergeWithCommit`). */
  async mergeWithBranch(branch: string, options: MergeOptions = {}): Promise<MergeOutcome<T>> {
    const id = await this.repo.backend.getRef(branchRef(branch))
    if (id === undefined) throw new NotFoundError(`branch ${branch} (it has no commits)`)
    return this.mergeFrom(id, branch, options)
  }

  private async mergeFrom(id: string, label: string, options: MergeOptions): Promise<MergeOutcome<T>> {
    const ref = this.writableRef()
    if (!isObjectId(id)) throw new InvalidObjectIdError(id)
    const theirs = await this.repo.objects.load(id, COMMIT).catch(error => {
      throw (error as { code?: string }).code === 'EMISSING' ? new NotFoundError(`commit ${id}`) : error
    })
    const guard = this.guard()
    guard.pins.push(this.repo.objects.gc.pin(theirs.id))
    try {
      return await this.mergeLoop(ref, theirs, label, options, guard)
    } finally {
      guard.release()
    }
  }

  private async mergeLoop(ref: string, theirs: Commit, label: string, options: MergeOptions, guard: WriteGuard): Promise<MergeOutcome<T>> {
    for (let attempt = 1; attempt <= this.repo.maxAttempts; attempt++) {
      const head = await this.loadHead(ref, guard)
      let kind: MergeOutcome<T>['kind']
      let tree: Tree<T>
      let conflicts: Conflict<T>[] = []
      if (head === undefined) {
        kind = 'fast-forward'
        tree = this.repo.treeOf(theirs.tree)
      } else {
        const outcome = await mergeCommits(this.repo, head, theirs, options)
        if (outcome.kind === 'up-to-date') return { kind: 'up-to-date', head: head.info(), conflicts: [] }
        kind = outcome.kind === 'fast-forward' && options.fastForward !== false ? 'fast-forward' : 'merge'
        tree = outcome.kind === 'merge' ? outcome.tree : this.repo.treeOf(theirs.tree)
        if (outcome.kind === 'merge') conflicts = outcome.conflicts
      }
      if (kind === 'fast-forward') {
        // A move to an existing commit: garbage collection must see it before it deletes anything.
        await this.repo.objects.gc.fence()
        this.repo.objects.gc.rooted(theirs.id)
        if (await this.moveHead(ref, head?.id, theirs)) return { kind, head: theirs.info(), conflicts }
      } else {
        const commit = await this.commitAndMove(guard, ref, head!.id, tree, [head!.id, theirs.id], options, `merge ${label} into ${this.branch}`)
        if (commit) return { kind, head: commit.info(), conflicts }
      }
      await backoff(attempt)
    }
    throw new ConcurrentUpdateError(this.branch!, this.repo.maxAttempts)
  }

  /**
   * A new commit on this branch that undoes what commit `id` did (git's revert): the three-way
   * merge of the commit's parent into the head, against the commit itself; for a merge commit,
   * against its first parent. Conflicts (later commits changed the same paths) throw
   * `MergeConflictError` unless `options.conflicts` resolves them.
   */
  async revert(id: string, options: WriteOptions & TreeMergeOptions = {}): Promise<CommitInfo | undefined> {
    if (!isObjectId(id)) throw new InvalidObjectIdError(id)
    const commit = await this.repo.objects.load(id, COMMIT).catch(error => {
      throw (error as { code?: string }).code === 'EMISSING' ? new NotFoundError(`commit ${id}`) : error
    })
    const parent = commit.parents[0]
    const before = parent === undefined ? this.repo.emptyTree() : this.repo.treeOf((await this.repo.objects.load(parent, COMMIT)).tree)
    const after = this.repo.treeOf(commit.tree)
    const { conflicts, deleteModify } = options
    return this.write(
      async tree => (await mergeTrees(after, tree, before, { conflicts, deleteModify })).tree,
      { ...options, strategy: 'reapply' },
      `revert ${id.slice(0, 12)}: ${commit.info().message.split('\n')[0]}`,
    )
  }

  /**
   * The compare-and-swap loop every write goes through. After a lost race the change is moved
   * onto the new head: by default (`strategy: 'merge'`) with a three-way merge of what it did
   * against what happened meanwhile; when that conflicts, or with `strategy: 'reapply'`, by
   * building it again on the new head.
   */
  private async write(build: Build<T>, options: WriteOptions, defaultMessage: string): Promise<CommitInfo | undefined> {
    const ref = this.writableRef()
    const guard = this.guard()
    try {
      return await this.writeLoop(ref, build, options, defaultMessage, guard)
    } finally {
      guard.release()
    }
  }

  /**
   * What keeps a write's material safe from garbage collection until it is over: the heads it
   * builds on (pinned when read), and every object it wrote, in every attempt (a lost attempt's
   * trees are merged onto the new head by the next one).
   */
  private guard(): WriteGuard {
    const gc = this.repo.objects.gc
    const tracking = gc.beginWrite()
    const pins: Array<() => void> = []
    return {
      tracking,
      pins,
      release: () => {
        for (const unpin of pins) unpin()
        tracking.release()
      },
    }
  }

  private async writeLoop(ref: string, build: Build<T>, options: WriteOptions, defaultMessage: string, guard: WriteGuard): Promise<CommitInfo | undefined> {
    // What the last lost attempt changed: its starting tree and its result.
    let lost: { base: Tree<T>; built: Tree<T> } | undefined
    for (let attempt = 1; attempt <= this.repo.maxAttempts; attempt++) {
      const head = await this.loadHead(ref, guard)
      const base = head ? this.repo.treeOf(head.tree) : this.repo.emptyTree()
      let next = lost && (options.strategy ?? 'merge') === 'merge' ? await mergedOrUndefined(lost.base, base, lost.built) : undefined
      next ??= await build(base, head)
      if (next === undefined) return head?.info()
      if (!options.allowEmpty && next.hash() === base.hash()) return head?.info()
      const commit = await this.commitAndMove(guard, ref, head?.id, next, head ? [head.id] : [], options, defaultMessage)
      if (commit) return commit.info()
      lost = { base, built: next }
      await backoff(attempt)
    }
    throw new ConcurrentUpdateError(this.branch!, this.repo.maxAttempts)
  }

  private writableRef(): string {
    if (this.ref === undefined) throw new ReadOnlyError(`commit ${this.fixedCommit} is a read-only view`)
    return this.ref
  }

  /** The branch head, pinned (by `guard`) from the moment its id is known. */
  private async loadHead(ref: string, guard: WriteGuard): Promise<Commit | undefined> {
    const id = await this.repo.backend.getRef(ref)
    if (id === undefined) return undefined
    guard.pins.push(this.repo.objects.gc.pin(id))
    return this.repo.objects.peek(id, COMMIT) ?? this.repo.objects.load(id, COMMIT, `head of ${this.branch}`)
  }

  /**
   * Writes the tree's new objects and a commit of it, in batches; durable when it resolves.
   * Then tries to move the branch to it; the new objects stay safe from garbage collection
   * until the move is decided.
   */
  private async commitAndMove(
    guard: WriteGuard,
    ref: string,
    expected: string | undefined,
    tree: Tree<T>,
    parents: string[],
    options: CommitOptions,
    defaultMessage: string,
  ): Promise<Commit | undefined> {
    const { objects } = this.repo
    const writer = objects.writer(guard.tracking)
    const sealed = tree.writeTo(writer)
    const git = buildGitCommit(sealed.id, parents, options, this.repo.commitDefaults, defaultMessage)
    const bytes = serializeCommit(git)
    const id = objects.hash(bytes)
    writer.add(id, bytes)
    await writer.finish()
    sealed.written()
    const commit = new Commit(id, git)
    objects.remember(id, commit, COMMIT)
    return (await this.moveHead(ref, expected, commit)) ? commit : undefined
  }

  /** Moves the branch from `expected` to `commit` if nobody moved it first. */
  private async moveHead(ref: string, expected: string | undefined, commit: Commit): Promise<boolean> {
    if (!(await this.repo.backend.casRef(ref, expected, commit.id))) return false
    this.repo.refMoved(ref, commit.id)
    return true
  }
}

/** `built` moved onto `onto`: the three-way merge of base→built into onto, or undefined on conflict. */
async function mergedOrUndefined<T>(base: Tree<T>, onto: Tree<T>, built: Tree<T>): Promise<Tree<T> | undefined> {
  try {
    return (await mergeTrees(base, onto, built)).tree
  } catch (error) {
    if (error instanceof MergeConflictError) return undefined
    throw error
  }
}

/** After a lost race: retry at once a few times, then wait a random, growing while. */
function backoff(attempt: number): Promise<void> {
  if (attempt < 3) return Promise.resolve()
  const ms = Math.random() * Math.min(50, 2 ** (attempt - 3))
  return new Promise(resolve => setTimeout(resolve, ms))
}
