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
import { ConcurrentUpdateError, ReadOnlyError } from './errors.js'
import { type HistoryOptions, walkHistory } from './history.js'
import { frameObject } from './objects/frame.js'
import { serializeCommit } from './objects/git-commit.js'
import { formatPath, type Path, validatePath } from './path.js'
import type { RepoContext } from './repo-context.js'
import { Tree, type NodeKind } from './tree.js'
import type { WatchEvent } from './watch.js'

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
  set(path: Path, value: T, options: CommitOptions = {}): Promise<CommitInfo | undefined> {
    validatePath(path)
    return this.write(tree => tree.set(path, value), options, `set ${formatPath(path)}`)
  }

  /** Removes `path` (a value or a whole directory); removing a missing path makes no commit. */
  remove(path: Path, options: CommitOptions = {}): Promise<CommitInfo | undefined> {
    validatePath(path)
    return this.write(tree => tree.remove(path), options, `remove ${formatPath(path)}`)
  }

  /** Replaces the subtree at `path` (the whole tree for `[]`). */
  setTree(path: Path, subtree: Tree<T>, options: CommitOptions = {}): Promise<CommitInfo | undefined> {
    validatePath(path)
    return this.write(tree => tree.setTree(path, subtree), options, `set tree ${formatPath(path) || '/'}`)
  }

  /**
   * Several changes in one commit. `fn` records them on `tx` (and may read through it, seeing its
   * own changes). On a lost race `fn` runs again on the new head, so keep it free of side effects.
   */
  batch(fn: (tx: Batch<T>) => void | Promise<void>, options: CommitOptions = {}): Promise<CommitInfo | undefined> {
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
    options: CommitOptions = {},
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
      options,
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

  /** The compare-and-swap loop every write goes through. */
  private async write(build: Build<T>, options: CommitOptions, defaultMessage: string): Promise<CommitInfo | undefined> {
    const ref = this.ref
    if (ref === undefined) throw new ReadOnlyError(`commit ${this.fixedCommit} is a read-only view`)
    const { backend, objects } = this.repo
    const attempts = this.repo.maxAttempts
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const headId = await backend.getRef(ref)
      const head = headId === undefined ? undefined : (objects.peek(headId, COMMIT) ?? (await objects.load(headId, COMMIT, `head of ${this.branch}`)))
      const base = head ? this.repo.treeOf(head.tree) : this.repo.emptyTree()
      const next = await build(base, head)
      if (next === undefined) return head?.info()
      const writer = objects.writer()
      const tree = next.writeTo(writer)
      if (!options.allowEmpty && tree.id === (head ? head.tree : base.hash())) return head?.info()
      const git = buildGitCommit(tree.id, head ? [head.id] : [], options, this.repo.commitDefaults, defaultMessage)
      const bytes = serializeCommit(git)
      const id = objects.hash(bytes)
      writer.add(id, bytes)
      await writer.finish()
      tree.written()
      const commit = new Commit(id, git)
      objects.remember(id, commit, COMMIT)
      if (await backend.casRef(ref, headId, id)) {
        this.repo.refMoved(ref, id)
        return commit.info()
      }
      await backoff(attempt)
    }
    throw new ConcurrentUpdateError(this.branch!, attempts)
  }
}

/** After a lost race: retry at once a few times, then wait a random, growing while. */
function backoff(attempt: number): Promise<void> {
  if (attempt < 3) return Promise.resolve()
  const ms = Math.random() * Math.min(50, 2 ** (attempt - 3))
  return new Promise(resolve => setTimeout(resolve, ms))
}
