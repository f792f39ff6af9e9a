/**
 * `Repo<T>`: a backend opened with a contents codec. It hands out branch stores and read-only
 * commit views, manages branches, and owns what they share: the object cache, the watch hub,
 * the commit defaults.
 */
import type { Backend } from './backend.js'
import { COMMIT, type CommitDefaults, type CommitInfo } from './commit.js'
import type { Contents } from './contents.js'
import { BranchExistsError, InvalidArgumentError, InvalidObjectIdError, NotFoundError } from './errors.js'
import { getDefaultHasher, type Hasher } from './hash.js'
import { isObjectId } from './hex.js'
import { type HistoryOptions, walkHistory } from './history.js'
import { checkStore, type FsckOptions, type FsckReport } from './fsck.js'
import { collectGarbage, type GcOptions, type GcReport } from './gc.js'
import { lowestCommonAncestors } from './lca.js'
import { ObjectStore } from './object-store.js'
import { BRANCH_PREFIX, branchRef } from './ref-name.js'
import type { RepoContext } from './repo-context.js'
import { type MergeOptions, type MergeOutcome, Store } from './store.js'
import { missingIsNotFound } from './write.js'
import { WriteHold } from './write-hold.js'
import { Tree } from './tree.js'
import { Watches } from './watch.js'

export interface RepoOptions<T> {
  backend: Backend
  contents: Contents<T>
  /** SHA-1 implementation (default: `node:crypto` in Node, pure JS in browsers). */
  hasher?: Hasher
  /** Default author of commits, `"Name <email>"`. */
  author?: string
  /** Default commit date source (default: now). */
  clock?: () => Date
  /** Bytes of parsed objects to keep cached (default 128 MiB). */
  cacheBytes?: number
  /** How many times a write retries after losing a race for its branch (default 1000). */
  maxAttempts?: number
}

export const DEFAULT_AUTHOR = 'irminsule <irminsule@localhost>'

export class Repo<T> implements RepoContext<T> {
  readonly objects: ObjectStore
  readonly commitDefaults: CommitDefaults
  readonly maxAttempts: number
  readonly watches: Watches<T>

  private constructor(
    readonly backend: Backend,
    readonly contents: Contents<T>,
    options: RepoOptions<T>,
  ) {
    this.objects = new ObjectStore(backend, options.hasher ?? getDefaultHasher(), { cacheBytes: options.cacheBytes })
    this.commitDefaults = { author: options.author ?? DEFAULT_AUTHOR, clock: options.clock ?? (() => new Date()) }
    this.maxAttempts = options.maxAttempts ?? 1000
    this.watches = new Watches(this)
  }

  static async open<T>(options: RepoOptions<T>): Promise<Repo<T>> {
    const { backend, contents } = options
    if (!backend || typeof backend.getObjects !== 'function' || typeof backend.casRef !== 'function') {
      throw new InvalidArgumentError('Repo.open needs a backend (e.g. openMemoryBackend())')
    }
    if (!contents || typeof contents.encode !== 'function' || typeof contents.decode !== 'function') {
      throw new InvalidArgumentError('Repo.open needs a contents codec (e.g. Contents.string)')
    }
    return new Repo(backend, contents, options)
  }

  /** The store bound to `name`; the branch comes into being with its first commit. */
  branch(name: string): Store<T> {
    return new Store(this, name, branchRef(name), undefined)
  }

  /** A read-only view of the commit `id`. */
  commit(id: string): Store<T> {
    if (!isObjectId(id)) throw new InvalidObjectIdError(id)
    return new Store(this, undefined, undefined, id)
  }

  async branches(): Promise<string[]> {
    const refs = await this.backend.listRefs(BRANCH_PREFIX)
    return refs.map(([name]) => name.slice(BRANCH_PREFIX.length))
  }

  /** Creates `name` at commit `from` (default: the head of `main`). */
  async createBranch(name: string, from?: string): Promise<void> {
    const ref = branchRef(name)
    let target = from
    if (target === undefined) {
      target = await this.backend.getRef(branchRef('main'))
      if (target === undefined) throw new NotFoundError('a head for the new branch: main has no commits')
    }
    if (!isObjectId(target)) throw new InvalidObjectIdError(target)
    // The commit stays pinned until the ref names it, so garbage collection cannot take it meanwhile.
    const hold = new WriteHold(this)
    try {
      await hold.commit(target).catch(missingIsNotFound(`commit ${target}`))
      if (!(await this.backend.casRef(ref, undefined, target))) throw new BranchExistsError(name)
    } finally {
      hold.release()
    }
    this.refMoved(ref, target)
  }

  /** Deletes a branch; returns the head it had (as `git branch -d` prints "was ID"). */
  async deleteBranch(name: string): Promise<string> {
    const ref = branchRef(name)
    for (;;) {
      const current = await this.backend.getRef(ref)
      if (current === undefined) throw new NotFoundError(`branch ${name}`)
      if (await this.backend.casRef(ref, current, undefined)) {
        this.refMoved(ref, undefined)
        return current
      }
    }
  }

  emptyTree(): Tree<T> {
    return Tree.empty(this.objects, this.contents)
  }

  /** The tree with id `id` (loaded lazily). */
  treeOf(id: string): Tree<T> {
    if (!isObjectId(id)) throw new InvalidObjectIdError(id)
    return Tree.ofId(this.objects, this.contents, id)
  }

  async readCommit(id: string): Promise<CommitInfo> {
    if (!isObjectId(id)) throw new InvalidObjectIdError(id)
    const commit = await this.objects.load(id, COMMIT).catch(missingIsNotFound(`commit ${id}`))
    return commit.info()
  }

  /** Commits reachable from `heads`, newest first. */
  async *history(heads: string | readonly string[], options: HistoryOptions = {}): AsyncGenerator<CommitInfo> {
    const ids = typeof heads === 'string' ? [heads] : heads
    for (const id of ids) if (!isObjectId(id)) throw new InvalidObjectIdError(id)
    for await (const commit of walkHistory(this.objects, ids, options)) yield commit.info()
  }

  /**
   * The lowest common ancestors of two commits (what `git merge-base --all` prints). With
   * `maxDepth`, gives up with `HistoryTooDeepError` after walking that many commits.
   */
  async lowestCommonAncestors(a: string, b: string, options: { maxDepth?: number } = {}): Promise<CommitInfo[]> {
    const [ca, cb] = await Promise.all([a, b].map(id => this.readCommit(id).then(() => this.objects.load(id, COMMIT))))
    return (await lowestCommonAncestors(this.objects, ca, cb, options.maxDepth)).map(c => c.info())
  }

  /** Merges branch `from` into branch `options.into` (see `Store.mergeWithBranch`). */
  async merge(from: string, options: MergeOptions & { into: string }): Promise<MergeOutcome<T>> {
    const { into, ...rest } = options ?? {}
    if (typeof into !== 'string') throw new InvalidArgumentError('merge needs the branch to merge into: { into: "main" }')
    return this.branch(into).mergeWithBranch(from, rest)
  }

  /** Garbage collection, with an optional history window (see `core/gc.ts`). */
  gc(options: GcOptions = {}): Promise<GcReport> {
    if (options.keepCommits !== undefined && !(Number.isSafeInteger(options.keepCommits) && options.keepCommits >= 1)) {
      return Promise.reject(new InvalidArgumentError(`keepCommits must be a whole number ≥ 1, got ${options.keepCommits}`))
    }
    if (options.keepSince !== undefined && !(options.keepSince instanceof Date && !Number.isNaN(options.keepSince.getTime()))) {
      return Promise.reject(new InvalidArgumentError('keepSince must be a valid Date'))
    }
    for (const id of options.pin ?? []) if (!isObjectId(id)) return Promise.reject(new InvalidObjectIdError(id))
    return collectGarbage(this.objects, options)
  }

  /** Checks every object, ref and reachable object; damage comes back as a typed list. */
  fsck(options: FsckOptions = {}): Promise<FsckReport> {
    return checkStore(this.objects, options)
  }

  refMoved(ref: string, id: string | undefined): void {
    if (!this.watches.backendReports) this.watches.moved(ref, id)
  }

  async close(): Promise<void> {
    this.watches.stop()
    await this.backend.close()
  }
}
