/**
 * `Transaction<T>`: an explicit, long-lived transaction on a branch (`store.transaction()`), for
 * protocols whose transactions span many requests (Xenstore). Reads see the branch as it was
 * when the transaction began, plus the transaction's own writes; `commit` makes one commit of
 * its writes, serializably:
 * - when the branch has not moved, it commits on it;
 * - when it has, and nothing the transaction read answers differently on the new head, its
 *   writes are carried onto the new head (disjoint transactions never conflict);
 * - otherwise nothing is written and `commit` fails with `TransactionConflictError`, listing
 *   the paths that changed: the caller runs the transaction again.
 * A transaction that only read still checks its reads on commit, and conflicts the same way
 * (Xenstore answers EAGAIN then); `abort` ends a transaction without that check. The base
 * commit stays pinned (safe from garbage collection) until `commit` or `abort`, or until the
 * transaction object is garbage itself.
 */
import { Batch } from './batch.js'
import type { Commit, CommitInfo, CommitOptions } from './commit.js'
import { ClosedError, TransactionConflictError } from './errors.js'
import type { Path } from './path.js'
import type { NodeKind, Tree } from './tree.js'
import type { BranchWriter } from './write.js'
import type { WriteHold } from './write-hold.js'

/** Releases the hold of a transaction dropped without commit or abort. */
const abandoned = new FinalizationRegistry<WriteHold<unknown>>(hold => hold.release())

export class Transaction<T> {
  private readonly changes: Batch<T>
  private open = true

  /** @internal Use `store.transaction()`. */
  constructor(
    private readonly writer: BranchWriter<T>,
    private readonly hold: WriteHold<T>,
    private readonly head: Commit | undefined,
    private readonly base: Tree<T>,
  ) {
    this.changes = new Batch(base)
    abandoned.register(this, hold as WriteHold<unknown>, this)
  }

  async get(path: Path): Promise<T> {
    return this.active().get(path)
  }

  async find(path: Path): Promise<T | undefined> {
    return this.active().find(path)
  }

  async list(path: Path = []): Promise<string[]> {
    return this.active().list(path)
  }

  async kind(path: Path): Promise<NodeKind | undefined> {
    return this.active().kind(path)
  }

  /** The subtree at `path`; everything in it counts as read. */
  async findTree(path: Path): Promise<Tree<T> | undefined> {
    return this.active().findTree(path)
  }

  set(path: Path, value: T): void {
    this.active().set(path, value)
  }

  remove(path: Path): void {
    this.active().remove(path)
  }

  setTree(path: Path, tree: Tree<T>): void {
    this.active().setTree(path, tree)
  }

  /**
   * Commits the writes (see the file comment); returns the branch head after it (the head the
   * reads were checked against, when there was nothing to write).
   */
  async commit(options: CommitOptions = {}): Promise<CommitInfo | undefined> {
    this.close()
    try {
      if (!this.changes.changes) return await this.checkReads()
      const { changes, base } = this
      const start = { headId: this.head?.id, base, readBase: base, tree: await changes.result(), reads: changes.reads, replay: (onto: Tree<T>) => changes.replayOn(onto) }
      const conflict = async (_base: Tree<T>, _head: Commit | undefined, changed: readonly Path[]): Promise<never> => {
        throw new TransactionConflictError(this.writer.branch, changed)
      }
      return await this.writer.write(this.hold, conflict, options, 'transaction', start)
    } finally {
      this.hold.release()
    }
  }

  /** Ends the transaction without writing anything. */
  abort(): void {
    if (!this.open) return
    this.close()
    this.hold.release()
  }

  /** A transaction with nothing to write: its reads must still hold on the head. */
  private async checkReads(): Promise<CommitInfo | undefined> {
    const head = await this.hold.head(this.writer.ref)
    if (head?.id !== this.head?.id) {
      const changed = await this.changes.reads.changed(this.base, this.hold.treeOf(head))
      if (changed.length > 0) throw new TransactionConflictError(this.writer.branch, changed)
    }
    return head?.info()
  }

  private close(): void {
    if (!this.open) throw new ClosedError('transaction')
    this.open = false
    abandoned.unregister(this)
  }

  private active(): Batch<T> {
    if (!this.open) throw new ClosedError('transaction')
    return this.changes
  }
}
