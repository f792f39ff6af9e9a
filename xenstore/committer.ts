/**
 * Turns the changes of the in-memory Xenstore (node-tree.ts) into commits on the branch, in
 * order, each commit's tree the root its last change made. Only what is new is hashed and
 * written (node-objects.ts): a write of `/a/b/c` is a value blob, four trees and a commit.
 *
 * One commit per change (write or transaction), message `WRITE /a (dom3)`, while the daemon makes
 * at most `COMMITS_PER_SECOND` (bursts of `COMMIT_BURST` beyond it): a commit costs far more than
 * answering a change (hashing, the store's writes, their garbage), so under a sustained stream of
 * changes one commit groups the changes answered in 1/COMMITS_PER_SECOND s instead:
 * `3 changes: WRITE /a (dom3); RM /b (dom0); transaction 7: … (dom5)`, each named with its
 * domain, in the order they were answered (a group commit). Nothing is lost or reordered; a past
 * state is readable at each commit.
 *
 * The daemon answers a change once it holds in memory, then queues it here (`add`, then
 * `schedule`, which only decides where commits begin and end). The commits are built and handed
 * to the backend together, every `FLUSH_INTERVAL_MS` while changes come in (`drain`): one
 * timer, one write tracking, one put and one branch move per batch rather than per commit (each
 * cost a timer wake-up and a chain of promises, more than building the commit). On the
 * write-behind backend that is one synced LevelDB batch (write-behind.ts), so a crash loses at
 * most the changes of the last FLUSH_INTERVAL_MS plus the time the batch takes to sync. `drain`'s
 * promise resolves when the backend has what was queued (durable on a write-through backend,
 * whose changes the daemon drains, one commit each, before answering).
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
/**
 * How long answered changes wait for their commits to be built and written (as one batch): the
 * 14 ms a change could wait before commits were built here (4 ms for a commit's token, then 10
 * for the write-behind batch), now one wait, so ~70 synced batches a second rather than 100.
 */
export const FLUSH_INTERVAL_MS = 14

export class Committer {
  /** The changes of the commit being grouped (not closed yet). */
  private queue: Pending[] = []
  /** Closed commits waiting for the next batch, each its changes. */
  private groups: Pending[][] = []
  private writing: Promise<void> = Promise.resolve()
  private failure: unknown
  /** The tree of the commit the branch is at, once a change was committed here (stored). */
  private headRoot: XNode | undefined
  /** Commits that may be made now (a token bucket: refills at COMMITS_PER_SECOND up to COMMIT_BURST). */
  private tokens = COMMIT_BURST
  private refilled = performance.now()
  /** When the grouped commit closes (`performance.now()`), once it waits for a token; 0 otherwise. */
  private closesAt = 0
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
    // The grouped commit's token came while the daemon was busy: the changes answered since go to the next one.
    if (this.closesAt !== 0 && performance.now() >= this.closesAt) this.closeGroup()
    this.queue.push({ root, label, domid })
  }

  /**
   * Decides the commits of what is queued as the rate allows: one commit per change while there
   * are tokens for them, the rest grouped in the last one; with none, the group stays open until
   * the next token (`add` closes it then). The batch that builds them starts FLUSH_INTERVAL_MS
   * after the first change waiting for it.
   */
  schedule(): void {
    if (this.queue.length === 0) return
    const now = this.refill()
    if (this.tokens < 1) {
      if (this.closesAt === 0) this.closesAt = now + ((1 - this.tokens) * 1000) / COMMITS_PER_SECOND
    } else {
      const commits = Math.min(Math.floor(this.tokens), this.queue.length)
      this.tokens -= commits
      this.closesAt = 0
      const queued = this.queue
      this.queue = []
      for (let i = 0; i < commits - 1; i++) this.groups.push([queued[i]!])
      this.groups.push(commits === 1 ? queued : queued.slice(commits - 1))
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      this.drain().catch(() => {}) // a failure is reported by the next `add`
    }, FLUSH_INTERVAL_MS).unref() // `drain` (the daemon's close) commits what waits
  }

  /** Builds every queued commit (the open group closed as one) and starts writing them in one batch; resolves when the backend has them. */
  drain(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.queue.length > 0) this.closeGroup()
    if (this.groups.length === 0) return this.writing
    const groups = this.groups
    this.groups = []
    const { repo } = this
    const tracking = repo.objects.gc.beginWrite()
    const entries: ObjectEntry[] = []
    const emit = (id: string, framed: Uint8Array) => {
      repo.objects.gc.written(id, tracking.ids)
      entries.push([id, framed])
    }
    const from = this.head
    const seconds = Math.floor(repo.commitDefaults.clock().getTime() / 1000)
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

  /** The grouped changes as one commit, which takes a token (perhaps before it came: the next group then waits longer). */
  private closeGroup(): void {
    this.refill()
    this.tokens -= 1
    this.groups.push(this.queue)
    this.queue = []
    this.closesAt = 0
  }

  private refill(): number {
    const now = performance.now()
    this.tokens = Math.min(COMMIT_BURST, this.tokens + ((now - this.refilled) * COMMITS_PER_SECOND) / 1000)
    this.refilled = now
    return now
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
