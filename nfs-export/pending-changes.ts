/**
 * What NFS clients changed since the last commit, and how it becomes one. Metadata changes are
 * applied to the in-memory tree at once and recorded as operations (`apply`); written bytes live
 * in `OpenFiles`. A commit replays the operations and the written files onto the branch head in
 * one `store.batch`, so another writer's commits in between are merged, never lost; the message
 * says what changed. Every change runs under one lock (`locked`), commits included; the idle
 * timer commits a while after the last change. A commit is synced, or unsynced when the journal
 * holds its changes (durability.ts); after a crash, `start` commits what the journal holds and
 * no commit does. Then the view is rebuilt on the new head (`rebase`).
 */
import { StaleTreeError } from '../core/errors.js'
import type { WriteTracking } from '../core/gc-coordinator.js'
import type { ObjectStore } from '../core/object-store.js'
import type { Store } from '../core/store.js'
import type { Tree, TreeOp } from '../core/tree.js'
import { commitMessage } from './commit-message.js'
import type { CreateJournal } from './create-journal.js'
import { Durability, JOURNALED_BYTES } from './durability.js'
import type { FileBuffer } from './file-buffer.js'
import { replayable } from './journal-replay.js'
import type { OpenFile } from './open-files.js'
import { SpoolBuffer } from './spool-buffer.js'
import { key, TreeView } from './tree-view.js'

export interface WorkingTreeOptions {
  store: Store<Uint8Array>
  readOnly: boolean
  author: string
  /** Commit this long after the last change when nothing asks sooner. */
  idleMs: number
  /** Writes past this size fail with FBIG: the backend could not store the blob. */
  maxFileSize: number
  onError: (error: unknown) => void
  /** The tree of a tree id (`repo.treeOf`). */
  treeOf: (id: string) => Tree<Uint8Array>
  /** Called after each commit made straight on the previous view, with the paths it changed. */
  onCommit?: (id: string, changed: readonly (readonly string[])[]) => void
  /** Where a CREATE, or a small file's commit, is made durable without a synced commit (none: each CREATE commits). */
  journal?: CreateJournal
  /** The repo's objects: a large file goes to a spool where the backend has them (`Backend.openSpool`). */
  objects?: ObjectStore
  /** Files written past this size go to a spool (default `SPOOL_MIN`, 4 MiB). */
  spoolMin?: number
}

/**
 * A COMMIT whose changes the journal holds is answered at once and committed this long after
 * (see `stabilizeLocked`), with the COMMITs that arrive meanwhile: a client saving many small
 * files makes one commit per 10 ms rather than one per file, each rewriting the directory's tree.
 */
const COMMIT_GROUP_MS = 10

/** Clean write buffers at least this large stay after a commit (see `rebase`). */
const KEEP_BUFFER_SIZE = 1 << 20

/** How many bytes of clean buffers stay after an idle commit (the oldest go first). */
const CLEAN_BUFFER_BUDGET = 256 << 20

export abstract class PendingChanges extends TreeView {
  protected baseId: string | undefined
  protected pending: TreeOp<Uint8Array>[] = []
  protected changes: string[] = []
  private lock: Promise<unknown> = Promise.resolve()
  private idle: ReturnType<typeof setTimeout> | undefined
  private grouped: ReturnType<typeof setTimeout> | undefined
  /** Bytes written since the last commit. */
  protected unstableBytes = 0
  /** Changes whenever acknowledged but uncommitted data may have been lost (WRITE/COMMIT verifier). */
  verifier = randomVerifier()
  protected durability!: Durability

  protected constructor(protected readonly options: WorkingTreeOptions) {
    super(options.objects, options.spoolMin)
  }

  /** Reads the head; after a crash, commits the changes the journal holds and no commit does. */
  protected async start(): Promise<void> {
    const { store, journal, objects } = this.options
    this.baseId = await store.headId()
    this.tree = await store.tree()
    const backend = objects?.backend
    const unsynced = backend?.putObjectsAndCasRefUnsynced !== undefined && backend.syncObjects !== undefined
    this.durability = new Durability(journal, unsynced ? () => backend.syncObjects!() : undefined, this.baseId)
    if (journal === undefined || journal.found.length === 0) return
    // They go in now (one synced commit), before anything else.
    for (const { path, mode, bytes } of await replayable(store, this.options.treeOf, journal.found)) {
      const what = `${bytes ? 'write' : 'create'} ${key(path)} (journaled before a crash)`
      if (bytes || (await this.stat(path)) === undefined) await this.apply({ op: 'set', path, value: bytes ?? new Uint8Array(0), mode }, what)
    }
    await this.commit()
    journal.reset()
    await this.durability.settle()
  }

  protected locked<V>(fn: () => Promise<V>): Promise<V> {
    const run = this.lock.then(fn, fn)
    this.lock = run.catch(() => undefined)
    return run
  }

  protected scheduleIdle(): void {
    // One timer, pushed back by each change (a new timer per request cost more than its work).
    if (this.idle) {
      this.idle.refresh()
      return
    }
    this.idle = setTimeout(() => {
      this.idle = undefined
      this.locked(() => this.commitDurably()).then(
        () => this.dropCleanBuffers(),
        error => this.options.onError(error),
      )
    }, this.options.idleMs)
    this.idle.unref?.()
  }

  /** Stops the idle timer and the grouped COMMITs' (a commit is being made, or the tree closes). */
  protected stopIdle(): void {
    if (this.idle) clearTimeout(this.idle)
    if (this.grouped) clearTimeout(this.grouped)
    this.idle = undefined
    this.grouped = undefined
  }

  /** After an idle commit: clean buffers stay (reads of a file just written need no blob read) up to a budget. */
  protected dropCleanBuffers(): void {
    this.files.dropClean(CLEAN_BUFFER_BUDGET)
  }

  protected async apply(op: TreeOp<Uint8Array>, what: string): Promise<void> {
    this.tree = await this.tree.update([op])
    this.pending.push(op)
    if (what) this.changes.push(what)
  }

  /**
   * What a COMMIT asks: every byte written on stable storage before the reply. When the journal
   * may hold the changes (durability.ts: journaled creates and small files), their records are
   * written and synced now, and the commit follows `COMMIT_GROUP_MS` later, taking in what the
   * COMMITs of those milliseconds journaled (after a crash meanwhile, the journal's replay makes
   * that commit). Otherwise the commit is made now.
   */
  protected async stabilizeLocked(): Promise<void> {
    const dirty = [...this.files.entries()].filter(([, buffer]) => buffer.dirty)
    if (dirty.length === 0 && this.pending.length === 0) return
    // Larger files (or spooled ones) are committed now, without copying their bytes first.
    if (dirty.some(([, buffer]) => buffer instanceof SpoolBuffer) || dirty.reduce((sum, [, buffer]) => sum + buffer.size, 0) > JOURNALED_BYTES) return this.commit()
    const files = dirty.map(([k, buffer]) => ({ path: k.split('/'), mode: buffer.mode, bytes: (buffer as FileBuffer).contents() }))
    if (!this.durability.journaledAhead(this.pending.length, files)) return this.commit()
    if (this.grouped) return
    this.grouped = setTimeout(() => {
      this.grouped = undefined
      void this.locked(() => this.commit()).catch(error => this.options.onError(error))
    }, COMMIT_GROUP_MS)
    this.grouped.unref?.()
  }

  /** A commit, then a sync point: nothing stays only in the journal. */
  protected async commitDurably(): Promise<void> {
    await this.commit()
    await this.durability.sync(this.baseId)
  }

  protected async commit(): Promise<void> {
    this.stopIdle()
    const ops = [...this.pending]
    const changes = [...this.changes]
    // Keeps spooled blobs, stored before the commit names them, from garbage collection.
    let tracking: WriteTracking | undefined
    let written: Array<{ k: string; buffer: OpenFile; op: TreeOp<Uint8Array> }>
    try {
      written = await this.files.dirtyOps(this.options.objects, () => (tracking ??= this.options.objects!.gc.beginWrite()))
    } catch (error) {
      tracking?.release() // nothing is lost: every buffer is still dirty
      throw error
    }
    for (const { k, buffer, op } of written) {
      ops.push(op)
      if (!changes.some(c => c.endsWith(` ${k}`) && c.startsWith('chmod'))) changes.push(`write ${k} (${buffer.size} bytes)`)
    }
    if (ops.length === 0) return
    // Small files' bytes in the journal: the commit need not be synced (see durability.ts).
    const files = written.flatMap(({ op }) => (op.op === 'set' ? [{ path: op.path, mode: op.mode!, bytes: op.value }] : []))
    const unsynced = files.length === written.length && this.durability.journaled(this.pending.length, files)
    for (const { buffer } of written) buffer.dirty = false
    try {
      const head = await this.options.store
        .batch(
          tx => {
            for (const op of ops) tx.apply(op)
          },
          { message: commitMessage(changes), author: this.options.author, unsynced },
        )
        .finally(() => unsynced && this.durability.recorded()) // the records were synced meanwhile
      this.pending = []
      this.changes = []
      this.unstableBytes = 0
      this.durability.committed(head?.id, unsynced)
      // The idle delay brings the sync point that makes it durable in the store.
      if (unsynced) this.scheduleIdle()
      // Straight on top of what we had, the commit's tree is the new view: no need to read the head.
      const direct = head !== undefined && head.parents.length === 1 && head.parents[0] === this.baseId
      const committed = new Set(written.map(w => w.buffer))
      await this.rebase(head?.id ?? (await this.options.store.headId()), true, direct ? this.options.treeOf(head.tree) : undefined, committed)
      if (direct) this.options.onCommit?.(head.id, ops.map(op => op.path))
    } catch (error) {
      // Nothing was committed (or not durably: the journal's sync failed): keep everything for
      // the next attempt, and tell clients (via the verifier) that what they were told is
      // unstable may have to be sent again.
      for (const { buffer } of written) buffer.dirty = true
      this.verifier = randomVerifier()
      if (error instanceof StaleTreeError) {
        // A moved directory that a collection removed meanwhile (another writer deleted it):
        // those name changes cannot be made any more; dropping them lets the rest commit.
        this.pending = []
        this.changes = []
        await this.rebase(await this.options.store.headId())
      }
      throw error
    } finally {
      tracking?.release()
    }
  }

  /**
   * Rebuilds the view on `head`: its tree, then what is still pending. `own`: the head is our
   * commit, which took in the bytes of the buffers in `committed`.
   */
  protected async rebase(head: string | undefined, own = false, headTree?: Tree<Uint8Array>, committed?: ReadonlySet<OpenFile>): Promise<void> {
    this.baseId = head
    if (!own) this.durability.foreignHead(head)
    let tree = headTree ?? (await this.options.store.tree())
    if (this.pending.length > 0) tree = await tree.update(this.pending)
    for (const [k, buffer] of this.files.list()) {
      const path = k.split('/')
      // A clean buffer may be older than what another writer committed; a dirty one is kept (and
      // re-creates its file should another writer have removed it: it is newer).
      if (!buffer.dirty) {
        // Kept only to spare a large file a copy of its blob per later WRITE; small ones go. A
        // spool holds no memory: it stays, so reads and the next write skip reading the blob.
        if (!own || (buffer.size < KEEP_BUFFER_SIZE && !(buffer instanceof SpoolBuffer))) {
          // Its size stays known: the reply to the COMMIT that dropped it stats the file.
          const id = committed?.has(buffer) ? (await tree.modeAndId(path))?.id : undefined
          if (id !== undefined) this.knownSize(id, buffer.size)
          this.files.delete(k)
        }
      } else if ((await tree.kind(path)) !== 'file') tree = await tree.set(path, new Uint8Array(0), buffer.mode)
    }
    this.tree = tree
    await this.emptyDirs.dropExisting(async d => (await tree.kind(d.split('/'))) === 'dir')
  }

}

function randomVerifier(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(8))
}
