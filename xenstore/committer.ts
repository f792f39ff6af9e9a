/**
 * Turns the changes of the in-memory Xenstore (node-tree.ts) into commits on the branch, in
 * order, each commit's tree the root its last change made. Only what is new is hashed and
 * written (node-objects.ts): a write of `/a/b/c` is a value blob, four trees and a commit.
 *
 * One commit per change (write or transaction), message `WRITE /a (dom3)`, while the daemon makes
 * at most `COMMITS_PER_SECOND` (bursts of `COMMIT_BURST` beyond it): a commit costs far more than
 * answering a change (hashing, the store's writes, their garbage), so under a sustained stream of
 * changes the daemon commits once every 1/COMMITS_PER_SECOND s instead, each commit the changes
 * answered meanwhile: `3 changes: WRITE /a (dom3); RM /b (dom0); transaction 7: … (dom5)`, each
 * named with its domain, in the order they were answered (a group commit). Nothing is lost or
 * reordered; a past state is readable at each commit.
 *
 * The daemon answers a change once it holds in memory, then queues it here (`add`, then
 * `schedule`); `drain` builds what is queued and hands its objects and the branch move to the
 * backend in one batch; its promise resolves when the backend has it (durable on a
 * write-through backend, whose changes the daemon drains, one commit each, before answering).
 *
 * Garbage collection: the objects a batch writes are tracked (`gc.beginWrite`) until the branch
 * names them; everything else a new commit names is in the tree of the commit before, which the
 * branch names until the move.
 */
import type { ObjectEntry } from '../core/backend.js'
import { frameObject } from '../core/objects/frame.js'
import type { Repo } from '../core/repo.js'
import type { NodeObjects } from './node-objects.js'
import type { XNode } from './node-tree.js'

/** A change to commit: its message and author are made only for the commit that names it (most are grouped). */
interface Pending {
  readonly root: XNode
  /** What it did, e.g. `WRITE /a`. */
  readonly label: string
  /** The domain that did it. */
  readonly domid: number
}

export const COMMITS_PER_SECOND = 250
export const COMMIT_BURST = 250

export class Committer {
  private queue: Pending[] = []
  private writing: Promise<void> = Promise.resolve()
  private failure: unknown
  /** The tree of the commit the branch is at, once a change was committed here (stored). */
  private headRoot: XNode | undefined
  /** Commits that may be made now (a token bucket: refills at COMMITS_PER_SECOND up to COMMIT_BURST). */
  private tokens = COMMIT_BURST
  private refilled = performance.now()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly repo: Repo<Uint8Array>,
    private readonly ref: string,
    private readonly objects: NodeObjects,
    /** The commit the branch is at (the next one's parent). */
    private head: string | undefined,
    /** Its tree: a change that leaves the tree as it was makes no commit (as the store's writes). */
    private headTree: string | undefined,
  ) {}

  /** Queues the commit of a change that made `root`: `label` (e.g. `WRITE /a`), done by `domid`. */
  add(root: XNode, label: string, domid: number): void {
    if (this.failure !== undefined) throw this.failure
    this.queue.push({ root, label, domid })
  }

  get pending(): boolean {
    return this.queue.length > 0
  }

  /**
   * Commits what is queued as the rate allows: one commit per change while there are tokens for
   * them, the rest grouped in the last one; with none, waits for the next token.
   */
  schedule(): void {
    if (this.queue.length === 0 || this.timer !== undefined) return
    const now = performance.now()
    this.tokens = Math.min(COMMIT_BURST, this.tokens + ((now - this.refilled) * COMMITS_PER_SECOND) / 1000)
    this.refilled = now
    if (this.tokens < 1) {
      const wait = Math.ceil(((1 - this.tokens) * 1000) / COMMITS_PER_SECOND)
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.schedule()
      }, wait).unref() // `drain` (the daemon's close) commits what waits
      return
    }
    const commits = Math.min(Math.floor(this.tokens), this.queue.length)
    this.tokens -= commits
    this.drain(commits).catch(() => {}) // a failure is reported by the next `add`
  }

  /**
   * Builds the queued changes into `commits` commits (all of them: one each), the last one
   * grouping what remains, and starts writing them; resolves when the backend has them.
   */
  drain(commits = Infinity): Promise<void> {
    if (this.queue.length === 0) return this.writing
    clearTimeout(this.timer)
    this.timer = undefined
    const queued = this.queue
    this.queue = []
    const { repo } = this
    const tracking = repo.objects.gc.beginWrite()
    const entries: ObjectEntry[] = []
    const emit = (id: string, framed: Uint8Array) => {
      repo.objects.gc.written(id, tracking.ids)
      entries.push([id, framed])
    }
    const from = this.head
    const seconds = Math.floor(repo.commitDefaults.clock().getTime() / 1000)
    const singles = Math.max(0, Math.min(commits, queued.length) - 1)
    const groups = [...queued.slice(0, singles).map(change => [change]), queued.slice(singles)]
    for (const group of groups) {
      const last = group[group.length - 1]!
      const tree = this.objects.store(last.root, emit, this.headRoot)
      this.headRoot = last.root
      if (tree === this.headTree) continue
      this.headTree = tree
      const bytes = commitBytes(tree, this.head, authorOf(group), seconds, messageOf(group))
      this.head = repo.objects.hash(bytes)
      emit(this.head, bytes)
    }
    const to = this.head
    if (to === from) {
      tracking.release()
      return this.writing
    }
    // Batches land in order: each moves the branch from where the one before left it.
    this.writing = this.writing.then(async () => {
      try {
        if (this.failure !== undefined) throw this.failure
        await repo.objects.gc.putting(() => repo.backend.putObjects(entries))
        if (!(await repo.backend.casRef(this.ref, from, to))) throw new Error(`branch ${this.ref} moved under the xenstore daemon: something else writes it`)
        repo.refMoved(this.ref, to)
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

/** The author of the commits of `domid`'s changes. */
export const domainAuthor = (domid: number): string => `dom${domid} <dom${domid}@xenstore>`

/** The author of a commit grouping changes of several domains (each is named in the message). */
const GROUP_AUTHOR = 'xenstored <xenstored@xenstore>'

function authorOf(group: readonly Pending[]): string {
  const { domid } = group[0]!
  for (const change of group) if (change.domid !== domid) return GROUP_AUTHOR
  return domainAuthor(domid)
}

/** `WRITE /a (dom3)`, or for a group `2 changes: WRITE /a (dom3); RM /b (dom0)`. */
function messageOf(group: readonly Pending[]): string {
  const named = group.map(change => `${change.label} (dom${change.domid})`)
  // One join, not a string grown by `+=`: that makes a rope of twice as many pieces, flattened again to encode it.
  return group.length === 1 ? named[0]! : `${group.length} changes: ${named.join('; ')}`
}
const encoder = new TextEncoder()

/** The commit object, as the store's `serializeCommit` writes it (author and committer alike, UTC). */
function commitBytes(tree: string, parent: string | undefined, author: string, seconds: number, message: string): Uint8Array {
  const signature = `${author} ${seconds} +0000`
  const text = `tree ${tree}\n${parent === undefined ? '' : `parent ${parent}\n`}author ${signature}\ncommitter ${signature}\n\n${message}\n`
  return frameObject('commit', encoder.encode(text))
}
