/**
 * The write path of one branch: build a tree on the head, write its objects and a commit, move
 * the branch by compare-and-swap; after a lost race, carry the change onto the new head and try
 * again (with back-off), up to `maxAttempts`.
 *
 * Carrying a change is what makes transactions serializable. A change whose reads still answer
 * the same on the new head (`ReadSet.changed`; a `set` reads nothing) has its recorded changes
 * replayed there, which is exactly what running it after the winner would give: a value written
 * without being read overwrites whatever the winner put there. Single-path writes (`set`,
 * `remove`) are three-way merged first, so that mergeable contents (counters, sets) merge with
 * the winner's change instead. A change whose reads changed is built again from scratch (a
 * `batch` callback runs again) or, for an explicit transaction, fails with
 * `TransactionConflictError`.
 *
 * Everything a write builds from and writes is kept from garbage collection by its `WriteHold`
 * until the ref move is decided.
 */
import { buildGitCommit, Commit, COMMIT, type CommitInfo, type CommitOptions } from './commit.js'
import { ConcurrentUpdateError, MergeConflictError, MissingObjectError, NotFoundError } from './errors.js'
import { type CommitMergeOptions, mergeCommits } from './merge/commit-merge.js'
import { type Conflict, mergeTrees } from './merge/tree-merge.js'
import { serializeCommit } from './objects/git-commit.js'
import type { Path } from './path.js'
import type { ReadSet } from './read-set.js'
import type { RepoContext } from './repo-context.js'
import type { Tree } from './tree.js'
import { WriteHold } from './write-hold.js'

/** Options of a write: the commit's, and how a lost race is recovered from. */
export interface WriteOptions extends CommitOptions {
  /**
   * After another writer moved the branch first: `'merge'` (default) carries this change onto
   * the new head when nothing it read changed (see `core/write.ts`), building it again
   * otherwise; `'reapply'` always builds it again (a `batch` callback then runs again).
   */
  strategy?: 'merge' | 'reapply'
  /**
   * Leave the commit and the branch move unsynced where the backend can
   * (`Backend.putObjectsAndCasRefUnsynced`): durable only at the next `Backend.syncObjects`, so
   * the caller keeps the change durable by other means until then (the NFS export's journal).
   */
  unsynced?: boolean
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

/** A change built on some tree: the tree to commit, what building it read, how to redo it elsewhere. */
export interface Built<T> {
  readonly tree: Tree<T>
  /** Reads that depend on the tree it was built on (none: a blind write). */
  readonly reads?: ReadSet
  /**
   * Carry it by three-way merge first: for writes of one path (`set`, `remove`), so that
   * mergeable contents (counters, sets, …) merge with what another writer put there.
   */
  readonly mergeable?: boolean
  /** The same changes on another tree, without reading again; without it, the change is built again. */
  replay?(onto: Tree<T>): Promise<Tree<T>>
}

/**
 * Builds the change on `base`, the tree of `head` (undefined abandons the write). `changed`: the
 * reads of the previous attempt that another writer changed, when that is why it runs again.
 */
export type Build<T> = (base: Tree<T>, head: Commit | undefined, changed: readonly Path[]) => Promise<Built<T> | undefined>

/** One attempt: what was built, on which head, and the tree its reads were made on. */
export interface Attempt<T> extends Built<T> {
  readonly headId: string | undefined
  readonly base: Tree<T>
  readonly readBase: Tree<T>
}

export class BranchWriter<T> {
  constructor(
    private readonly repo: RepoContext<T>,
    readonly branch: string,
    readonly ref: string,
  ) {}

  /** Runs `work` with a new hold, released when it is over, whatever happened. */
  async holding<R>(work: (hold: WriteHold<T>) => Promise<R>): Promise<R> {
    const hold = new WriteHold(this.repo)
    try {
      return await work(hold)
    } finally {
      hold.release()
    }
  }

  /** `write` with its own hold. */
  change(build: Build<T>, options: WriteOptions, defaultMessage: string): Promise<CommitInfo | undefined> {
    return this.holding(hold => this.write(hold, build, options, defaultMessage))
  }

  /**
   * The compare-and-swap loop. `start`: an attempt already built (an explicit transaction's),
   * carried onto the head like a lost one when the head has moved since.
   */
  async write(hold: WriteHold<T>, build: Build<T>, options: WriteOptions, defaultMessage: string, start?: Attempt<T>): Promise<CommitInfo | undefined> {
    let last = start
    for (let attempt = 1; attempt <= this.repo.maxAttempts; attempt++) {
      const head = await hold.head(this.ref)
      const base = hold.treeOf(head)
      const next = last !== undefined && last.headId === head?.id ? last : await this.carry(last, base, head, build, options)
      if (next === undefined) return head?.info()
      if (!options.allowEmpty && next.tree.hash() === base.hash()) return head?.info()
      const commit = await this.commitAndMove(hold, head?.id, next.tree, head ? [head.id] : [], options, defaultMessage)
      if (commit) return commit.info()
      last = next
      await backoff(attempt)
    }
    throw new ConcurrentUpdateError(this.branch, this.repo.maxAttempts)
  }

  /** The change moved onto `base` after the attempt `last` lost (built from scratch when there is none). */
  private async carry(last: Attempt<T> | undefined, base: Tree<T>, head: Commit | undefined, build: Build<T>, options: WriteOptions): Promise<Attempt<T> | undefined> {
    let changed: readonly Path[] = []
    if (last !== undefined && (options.strategy ?? 'merge') === 'merge') {
      changed = last.reads ? await last.reads.changed(last.readBase, base) : []
      if (changed.length === 0) {
        let tree = last.mergeable ? await mergedOrUndefined(last.base, base, last.tree) : undefined
        tree ??= await last.replay?.(base)
        if (tree !== undefined) return { ...last, tree, headId: head?.id, base }
      }
    }
    const built = await build(base, head, changed)
    return built && { ...built, headId: head?.id, base, readBase: base }
  }

  /**
   * Merges the commit `id` into the branch: fast-forward when the branch is behind it, nothing
   * when it already contains it, otherwise a merge commit (parents: the head, then `id`).
   */
  merge(id: string, label: string, options: MergeOptions): Promise<MergeOutcome<T>> {
    return this.holding(async hold => {
      const theirs = await hold.commit(id).catch(missingIsNotFound(`commit ${id}`))
      for (let attempt = 1; attempt <= this.repo.maxAttempts; attempt++) {
        const head = await hold.head(this.ref)
        let kind: MergeOutcome<T>['kind'] = 'fast-forward'
        let tree = hold.treeOf(theirs)
        let conflicts: Conflict<T>[] = []
        if (head !== undefined) {
          const outcome = await mergeCommits(hold.mergeContext(), head, theirs, options)
          if (outcome.kind === 'up-to-date') return { kind: 'up-to-date', head: head.info(), conflicts: [] }
          if (outcome.kind === 'merge' || options.fastForward === false) kind = 'merge'
          if (outcome.kind === 'merge') {
            ;({ tree, conflicts } = outcome)
            // Head and theirs are pinned; only a 'base' resolution names the unpinned ancestor's objects.
            if (options.conflicts !== 'base') hold.trustMerge(tree)
          }
        }
        if (kind === 'fast-forward') {
          // `theirs` is pinned until the move lands: the sweep cannot take it meanwhile.
          if (await this.moveHead(head?.id, theirs)) return { kind, head: theirs.info(), conflicts }
        } else {
          const commit = await this.commitAndMove(hold, head!.id, tree, [head!.id, theirs.id], options, `merge ${label} into ${this.branch}`)
          if (commit) return { kind, head: commit.info(), conflicts }
        }
        await backoff(attempt)
      }
      throw new ConcurrentUpdateError(this.branch, this.repo.maxAttempts)
    })
  }

  /**
   * Writes the tree's new objects and a commit of it, in batches; durable when it resolves.
   * Then tries to move the branch to it; the hold keeps all of it, and all it names, safe
   * from garbage collection until the move is decided. Undefined when the branch was not at
   * `expected` (a sync server's merge push then merges again with the new head).
   */
  async commitAndMove(hold: WriteHold<T>, expected: string | undefined, tree: Tree<T>, parents: string[], options: CommitOptions & Pick<WriteOptions, 'unsynced'>, defaultMessage: string): Promise<Commit | undefined> {
    const { objects } = this.repo
    const writer = hold.writer()
    const sealed = tree.writeTo(writer)
    const protecting = hold.protect(tree, sealed)
    if (protecting) await protecting
    const git = buildGitCommit(sealed.id, parents, options, this.repo.commitDefaults, defaultMessage)
    const bytes = serializeCommit(git)
    const id = objects.hash(bytes)
    writer.add(id, bytes)
    // The objects and the move: one durable write where the backend can (see `finishAndMove`).
    const moved = await writer.finishAndMove(this.ref, expected, id, options.unsynced === true)
    sealed.written()
    const commit = new Commit(id, git)
    objects.remember(id, commit, COMMIT)
    if (!moved) return undefined
    this.repo.refMoved(this.ref, commit.id)
    return commit
  }

  /** Moves the branch from `expected` to `commit` if nobody moved it first. */
  private async moveHead(expected: string | undefined, commit: Commit): Promise<boolean> {
    if (!(await this.repo.backend.casRef(this.ref, expected, commit.id))) return false
    this.repo.refMoved(this.ref, commit.id)
    return true
  }
}

/** A read of a commit the caller named: absent is "not found", not damage. */
export function missingIsNotFound(what: string): (error: unknown) => never {
  return error => {
    throw error instanceof MissingObjectError ? new NotFoundError(what) : error
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
