/**
 * What keeps a write's material alive until its ref move is decided, for the garbage collection
 * argument in `core/gc.ts`: every object it wrote (tracked, rule 1) and everything it builds
 * from (pinned, rule 2). A write reads every commit it builds from through its hold, and the hold
 * pins before it loads, so no method can forget a pin.
 *
 * Why pin-then-load is safe: a pin is taken right after `fence()` (no sweep running), so the
 * next sweep's last look before deleting anything marks from it. A commit still present at that
 * moment has everything it reaches present (a completed sweep deleted all garbage, and every
 * write since kept what it named), so once loaded it stays whole until released.
 *
 * Trees come from elsewhere too (`setTree` of a tree read earlier, merges): a tree to commit that
 * is not derived from a pinned commit's tree alone (`Tree.origin`) has the stored objects its new
 * directories name pinned the same way, and when a sweep completed since the tree was read
 * (`Tree.generation`), checked to exist: a write fails with `StaleTreeError` rather than commit
 * a dangling reference.
 */
import { COMMIT, type Commit } from './commit.js'
import { MissingObjectError, StaleTreeError } from './errors.js'
import type { WriteTracking } from './gc-coordinator.js'
import type { MergeContext } from './merge/commit-merge.js'
import type { ObjectWriter } from './object-store.js'
import type { RepoContext } from './repo-context.js'
import { type SealedTree, Tree } from './tree.js'

export class WriteHold<T> {
  private readonly tracking: WriteTracking
  private readonly pins: Array<() => void> = []
  /** Origins of trees read from pinned commits: trees derived from them alone are safe. */
  private readonly pinnedOrigins = new Set<object>()
  private released = false

  constructor(private readonly repo: RepoContext<T>) {
    this.tracking = repo.objects.gc.beginWrite()
  }

  /** The commit `id`, pinned until release; `MissingObjectError` when it is not there. */
  async commit(id: string, context?: string): Promise<Commit> {
    const { objects } = this.repo
    await objects.gc.fence()
    this.pins.push(objects.gc.pin(id))
    return objects.peek(id, COMMIT) ?? objects.load(id, COMMIT, context)
  }

  /**
   * The commit `ref` names, pinned; undefined when the ref does not exist. No fence: a commit a
   * ref names is marked by every sweep's last look while the ref names it, and a write's move
   * from it succeeds only if the ref still names it, so a head that turned to garbage meanwhile
   * can only cost a lost race (or, if already deleted, a second look at the ref).
   */
  async head(ref: string): Promise<Commit | undefined> {
    const { backend, objects } = this.repo
    for (;;) {
      const id = await backend.getRef(ref)
      if (id === undefined) return undefined
      this.pins.push(objects.gc.pin(id))
      try {
        return objects.peek(id, COMMIT) ?? (await objects.load(id, COMMIT, `head of ${ref}`))
      } catch (error) {
        if (!(error instanceof MissingObjectError) || (await backend.getRef(ref)) === id) throw error
      }
    }
  }

  /** The tree of a commit read through `commit` or `head` (the empty tree for none). */
  treeOf(commit: Commit | undefined): Tree<T> {
    const { objects, contents } = this.repo
    const tree = commit ? Tree.ofId(objects, contents, commit.tree, objects.gc.generation) : Tree.empty(objects, contents)
    this.pinnedOrigins.add(tree.origin)
    return tree
  }

  /**
   * What a merge reads trees through: commits the merge finds (common ancestors) are not pinned,
   * so their trees carry the generation of now, and a commit of the result is protected like
   * any tree from elsewhere.
   */
  mergeContext(): MergeContext<T> {
    const { objects, contents } = this.repo
    const generation = objects.gc.generation
    return { objects, treeOf: id => Tree.ofId(objects, contents, id, generation), emptyTree: () => Tree.empty(objects, contents) }
  }

  /**
   * Marks a merge of two pinned commits as safe without a scan. A three-way merge names, at each
   * path, what ours or theirs has there or a value it wrote itself; the ancestor's version only
   * when a conflict is resolved as `'base'` (the caller does not trust those). So a merge of
   * pinned commits names only what their pins keep, and what this hold tracks.
   */
  trustMerge(tree: Tree<T>): void {
    this.pinnedOrigins.add(tree.origin)
  }

  /** A writer whose objects stay safe from garbage collection until release. */
  writer(): ObjectWriter {
    return this.repo.objects.writer(this.tracking)
  }

  /**
   * Keeps alive the stored objects `tree` (sealed as `sealed`) names; see the file comment.
   * Undefined (nothing to wait for) when the tree comes from pinned commits alone.
   */
  protect(tree: Tree<T>, sealed: SealedTree): Promise<void> | undefined {
    if (this.pinnedOrigins.has(tree.origin)) return undefined
    const named = sealed.references()
    return named.length === 0 ? undefined : this.pinAndCheck(tree, named)
  }

  private async pinAndCheck(tree: Tree<T>, named: readonly string[]): Promise<void> {
    const { gc } = this.repo.objects
    await gc.fence()
    for (const id of named) this.pins.push(gc.pin(id))
    if (tree.generation >= gc.generation) return
    const present = await this.repo.backend.hasObjects(named)
    const missing = named.filter((_, i) => !present[i])
    if (missing.length > 0) throw new StaleTreeError(missing)
  }

  /** Ends the hold: call once the ref move landed or the write gave up. */
  release(): void {
    if (this.released) return
    this.released = true
    for (const unpin of this.pins) unpin()
    this.tracking.release()
  }
}
