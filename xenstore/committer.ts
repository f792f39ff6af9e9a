/**
 * Turns each change of the in-memory Xenstore (node-tree.ts) into its commit on the branch: one
 * commit per write or transaction, parent the commit of the change before, tree the root the
 * change made. Only what the change made new is hashed and written (node-objects.ts): a write
 * of `/a/b/c` is a value blob, three trees and a commit.
 *
 * The daemon answers a change once it holds in memory, then queues it here; `drain` builds the
 * queued commits in order and hands their objects and the branch move to the backend, one batch
 * for all that queued meanwhile. With the write-behind backend that batch also returns at once;
 * `landed` resolves when the backend has taken it (durable on a write-through backend).
 *
 * Garbage collection: the objects a batch writes are tracked (`gc.beginWrite`) until the branch
 * names them; everything else a new commit names is in the tree of the head it follows, which
 * the branch names until the move.
 */
import { buildGitCommit, Commit, COMMIT } from '../core/commit.js'
import { serializeCommit } from '../core/objects/git-commit.js'
import type { Repo } from '../core/repo.js'
import type { NodeObjects } from './node-objects.js'
import type { XNode } from './node-tree.js'

interface Pending {
  readonly root: XNode
  readonly message: string
  readonly author: string
}

export class Committer {
  private queue: Pending[] = []
  private writing: Promise<void> = Promise.resolve()
  private failure: unknown

  constructor(
    private readonly repo: Repo<Uint8Array>,
    private readonly ref: string,
    private readonly objects: NodeObjects,
    /** The commit the branch is at (the next one's parent). */
    private head: string | undefined,
    /** Its tree: a change that leaves the tree as it was makes no commit (as the store's writes). */
    private headTree: string | undefined,
  ) {}

  /** Queues the commit of a change that made `root`. */
  add(root: XNode, message: string, author: string): void {
    if (this.failure !== undefined) throw this.failure
    this.queue.push({ root, message, author })
  }

  get pending(): boolean {
    return this.queue.length > 0
  }

  /** Builds every queued commit and starts writing them; resolves when the backend has them. */
  drain(): Promise<void> {
    if (this.queue.length === 0) return this.writing
    const queued = this.queue
    this.queue = []
    const { repo } = this
    const tracking = repo.objects.gc.beginWrite()
    const writer = repo.objects.writer(tracking)
    const emit = (id: string, framed: Uint8Array) => writer.add(id, framed)
    const from = this.head
    let head = from
    let commit: Commit | undefined
    for (const change of queued) {
      const tree = this.objects.store(change.root, emit)
      if (tree === this.headTree) continue
      this.headTree = tree
      const git = buildGitCommit(tree, head === undefined ? [] : [head], { message: change.message, author: change.author }, repo.commitDefaults, change.message)
      const bytes = serializeCommit(git)
      const id = repo.objects.hash(bytes)
      writer.add(id, bytes)
      commit = new Commit(id, git)
      head = id
    }
    this.head = head
    if (commit === undefined) {
      tracking.release()
      return this.writing
    }
    const last = commit
    // Batches land in order: each moves the branch from where the one before left it.
    this.writing = this.writing.then(async () => {
      try {
        if (this.failure !== undefined) throw this.failure
        await writer.finish()
        if (!(await repo.backend.casRef(this.ref, from, last.id))) throw new Error(`branch ${this.ref} moved under the xenstore daemon: something else writes it`)
        repo.objects.remember(last.id, last, COMMIT)
        repo.refMoved(this.ref, last.id)
      } catch (error) {
        this.failure ??= error
        throw error
      } finally {
        tracking.release()
      }
    })
    return this.writing
  }
}
