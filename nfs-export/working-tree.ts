/**
 * The file system an export serves: the branch's tree plus what NFS clients changed since the
 * last commit. Metadata changes (create, remove, rename, mkdir, symlink, mode) are applied to an
 * in-memory tree at once and recorded as operations; written bytes live in `OpenFiles`. A
 * commit replays the operations and the written files onto the branch head in one
 * `store.batch`, so another writer's commits in between are merged, never lost; the message
 * says what changed. Every change runs under one lock, commits included. A change made durable
 * by the journal (durability.ts) rather than a synced commit is replayed by `open` after a crash.
 * What it reads is `TreeView`'s.
 */
import { StaleTreeError } from '../core/errors.js'
import type { Store } from '../core/store.js'
import type { Tree, TreeOp } from '../core/tree.js'
import { NfsStatusError } from './errors.js'
import { commitMessage } from './commit-message.js'
import type { CreateJournal } from './create-journal.js'
import { Durability } from './durability.js'
import { replayable } from './journal-replay.js'
import type { ObjectStore } from '../core/object-store.js'
import type { WriteTracking } from '../core/gc-coordinator.js'
import { FileBuffer } from './file-buffer.js'
import type { OpenFile } from './open-files.js'
import { SpoolBuffer } from './spool-buffer.js'
import { EXEC_MODE, FILE_MODE, key, LINK_MODE, TreeView } from './tree-view.js'
import { NFS3ERR_EXIST, NFS3ERR_FBIG, NFS3ERR_ISDIR, NFS3ERR_NOENT, NFS3ERR_NOTDIR, NFS3ERR_NOTEMPTY, NFS3ERR_ROFS, NFS3ERR_INVAL } from './nfs3-constants.js'

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

/** Clean write buffers at least this large stay after a commit (see `rebase`). */
const KEEP_BUFFER_SIZE = 1 << 20
/** How many bytes written but not committed the server holds before it commits on its own. */
const UNSTABLE_BUDGET = 512 << 20
/** How many bytes of clean buffers stay after an idle commit (the oldest go first). */
const CLEAN_BUFFER_BUDGET = 256 << 20

const fail = (status: number, why: string): never => {
  throw new NfsStatusError(status, why)
}

export class WorkingTree extends TreeView {
  private baseId: string | undefined
  private pending: TreeOp<Uint8Array>[] = []
  private changes: string[] = []
  private lock: Promise<unknown> = Promise.resolve()
  private idle: ReturnType<typeof setTimeout> | undefined
  /** Bytes written since the last commit. */
  private unstableBytes = 0
  /** Changes whenever acknowledged but uncommitted data may have been lost (WRITE/COMMIT verifier). */
  verifier = randomVerifier()
  private durability!: Durability

  private constructor(private readonly options: WorkingTreeOptions) {
    super(options.objects, options.spoolMin)
  }

  static async open(options: WorkingTreeOptions): Promise<WorkingTree> {
    const wt = new WorkingTree(options)
    wt.baseId = await options.store.headId()
    wt.tree = await options.store.tree()
    const backend = options.objects?.backend
    const unsynced = backend?.putObjectsAndCasRefUnsynced !== undefined && backend.syncObjects !== undefined
    wt.durability = new Durability(options.journal, unsynced ? () => backend.syncObjects!() : undefined, wt.baseId)
    const found = options.journal?.found ?? []
    if (found.length > 0) {
      // A crash left changes no commit holds: they go in now (one synced commit), before anything else.
      for (const { path, mode, bytes } of await replayable(options.store, options.treeOf, found)) {
        const what = `${bytes ? 'write' : 'create'} ${key(path)} (journaled before a crash)`
        if (bytes || (await wt.stat(path)) === undefined) await wt.apply({ op: 'set', path, value: bytes ?? new Uint8Array(0), mode }, what)
      }
      await wt.commit()
      options.journal!.reset()
      await wt.durability.settle()
    }
    return wt
  }

  /** The commit the view is built on (undefined: a branch with no commits). */
  get headId(): string | undefined {
    return this.baseId
  }

  get readOnly(): boolean {
    return this.options.readOnly
  }

  get maxFileSize(): number {
    return this.options.maxFileSize
  }

  write(path: string[], offset: number, data: Uint8Array): Promise<void> {
    if (offset + data.length > this.options.maxFileSize) return Promise.reject(tooBig(path, offset + data.length, this.options.maxFileSize))
    return this.change(async () => {
      const buffer = await this.files.writable(key(path), await this.buffer(path), offset + data.length)
      buffer.write(offset, data)
      // Memory is bounded: past the budget of uncommitted bytes, commit before answering.
      this.unstableBytes += data.length
      if (this.unstableBytes > UNSTABLE_BUDGET) await this.commit()
    })
  }

  setSize(path: string[], size: number): Promise<void> {
    if (size > this.options.maxFileSize) return Promise.reject(tooBig(path, size, this.options.maxFileSize))
    return this.change(async () => {
      const buffer = await this.files.writable(key(path), await this.buffer(path), size)
      if (buffer.size !== size) buffer.truncate(size)
    })
  }

  setExecutable(path: string[], executable: boolean): Promise<void> {
    return this.change(async () => {
      const node = await this.stat(path)
      if (!node || node.kind !== 'file') return
      const mode = executable ? EXEC_MODE : FILE_MODE
      if (node.mode === mode) return
      const buffer = await this.buffer(path)
      buffer.mode = mode
      buffer.dirty = true
      this.changes.push(`chmod ${executable ? '+x' : '-x'} ${key(path)}`)
    })
  }

  /**
   * Creates (or with `exclusive` false, truncates) a regular file. `durable`: a new file is on
   * stable storage before this returns — in the journal, or else in a commit.
   */
  create(path: string[], exclusive: boolean, durable = false, mode = FILE_MODE): Promise<void> {
    return this.change(async () => {
      const node = await this.stat(path)
      if (node) {
        if (exclusive) fail(NFS3ERR_EXIST, key(path))
        if (node.kind === 'dir') fail(NFS3ERR_ISDIR, key(path))
        if (node.kind === 'symlink') fail(NFS3ERR_INVAL, `${key(path)} is a symbolic link`)
        // Emptied without reading what it held.
        const emptied = new FileBuffer(new Uint8Array(0), this.files.get(key(path))?.mode ?? node.mode)
        emptied.dirty = true
        this.files.set(key(path), emptied)
        return
      }
      await this.parentMustBeDir(path)
      await this.apply({ op: 'set', path, value: new Uint8Array(0), mode }, `create ${key(path)}`)
      if (durable && !this.durability.created(path, mode)) await this.commit()
    })
  }

  mkdir(path: string[]): Promise<void> {
    return this.change(async () => {
      if (await this.stat(path)) fail(NFS3ERR_EXIST, key(path))
      await this.parentMustBeDir(path)
      this.emptyDirs.add(key(path))
    })
  }

  symlink(path: string[], target: string): Promise<void> {
    return this.change(async () => {
      if (await this.stat(path)) fail(NFS3ERR_EXIST, key(path))
      await this.parentMustBeDir(path)
      await this.apply({ op: 'set', path, value: new TextEncoder().encode(target), mode: LINK_MODE }, `symlink ${key(path)} -> ${target}`)
    })
  }

  remove(path: string[]): Promise<void> {
    return this.change(async () => {
      const node = await this.stat(path)
      if (!node) fail(NFS3ERR_NOENT, key(path))
      if (node!.kind === 'dir') fail(NFS3ERR_ISDIR, key(path))
      this.files.delete(key(path))
      await this.apply({ op: 'remove', path }, `remove ${key(path)}`)
      await this.keepParents(path)
    })
  }

  rmdir(path: string[]): Promise<void> {
    return this.change(async () => {
      const node = await this.stat(path)
      if (!node) fail(NFS3ERR_NOENT, key(path))
      if (node!.kind !== 'dir') fail(NFS3ERR_NOTDIR, key(path))
      if ((await this.list(path)).length > 0) fail(NFS3ERR_NOTEMPTY, key(path))
      this.emptyDirs.delete(key(path))
      await this.keepParents(path)
    })
  }

  rename(from: string[], to: string[]): Promise<void> {
    return this.change(async () => {
      const node = await this.stat(from)
      if (!node) fail(NFS3ERR_NOENT, key(from))
      if (key(to).startsWith(`${key(from)}/`)) fail(NFS3ERR_INVAL, `${key(from)} into itself`)
      if (key(from) === key(to)) return
      await this.parentMustBeDir(to)
      const target = await this.stat(to)
      if (target) {
        if (node!.kind === 'dir' && target.kind !== 'dir') fail(NFS3ERR_NOTDIR, key(to))
        if (node!.kind !== 'dir' && target.kind === 'dir') fail(NFS3ERR_ISDIR, key(to))
        if (target.kind === 'dir' && (await this.list(to)).length > 0) fail(NFS3ERR_NOTEMPTY, key(to))
        this.emptyDirs.delete(key(to))
        this.files.delete(key(to))
      }
      const what = `rename ${key(from)} -> ${key(to)}`
      if (node!.kind === 'dir') {
        const subtree = await this.tree.findTree(from)
        this.moveKeys(from, to)
        if (subtree) {
          await this.apply({ op: 'remove', path: from }, what)
          await this.apply({ op: 'setTree', path: to, tree: subtree }, '')
        } else this.changes.push(what)
      } else {
        const value = this.files.get(key(from))?.snapshot() ?? (await this.tree.get(from))
        this.moveKeys(from, to)
        await this.apply({ op: 'remove', path: from }, what)
        await this.apply({ op: 'set', path: to, value, mode: node!.mode }, '')
      }
      await this.keepParents(from)
    })
  }

  /**
   * Commits what changed (nothing changed: no commit). `settle`: also make sure no journaled
   * create comes back after a crash — needed once a name may have gone (REMOVE, RMDIR, RENAME):
   * a create that a commit took in, then removed, must not be replayed.
   */
  flush(settle = false): Promise<void> {
    return this.locked(async () => {
      await this.commit()
      if (settle) await this.durability.settle()
    })
  }

  /** Takes in commits another writer made on the branch meanwhile. */
  async refresh(): Promise<void> {
    if ((await this.options.store.headId()) === this.baseId) return
    return this.locked(async () => {
      const head = await this.options.store.headId()
      if (head !== this.baseId) await this.rebase(head)
    })
  }

  /** Commits what is pending and makes it durable, stops the idle timer and closes the journal. */
  async close(): Promise<void> {
    this.stopIdle()
    await this.locked(() => this.commitDurably())
    this.files.close()
    await this.durability.close()
  }

  private change(fn: () => Promise<void>): Promise<void> {
    if (this.options.readOnly) return Promise.reject(new NfsStatusError(NFS3ERR_ROFS, 'read-only export'))
    return this.locked(async () => {
      await fn()
      this.scheduleIdle()
    })
  }

  private locked<V>(fn: () => Promise<V>): Promise<V> {
    const run = this.lock.then(fn, fn)
    this.lock = run.catch(() => undefined)
    return run
  }

  private scheduleIdle(): void {
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

  private stopIdle(): void {
    if (this.idle) clearTimeout(this.idle)
    this.idle = undefined
  }

  /** After an idle commit: clean buffers stay (reads of a file just written need no blob read) up to a budget. */
  private dropCleanBuffers(): void {
    this.files.dropClean(CLEAN_BUFFER_BUDGET)
  }

  private async apply(op: TreeOp<Uint8Array>, what: string): Promise<void> {
    this.tree = await this.tree.update([op])
    this.pending.push(op)
    if (what) this.changes.push(what)
  }

  /** The write buffer of a regular file, made from its committed bytes on first write. */
  private async buffer(path: string[]): Promise<OpenFile> {
    const k = key(path)
    const existing = this.files.get(k)
    if (existing) return existing
    const node = await this.stat(path)
    if (!node) fail(NFS3ERR_NOENT, k)
    if (node!.kind === 'dir') fail(NFS3ERR_ISDIR, k)
    if (node!.kind === 'symlink') fail(NFS3ERR_INVAL, `${k} is a symbolic link`)
    const buffer = new FileBuffer(await this.tree.get(path), node!.mode)
    this.files.set(k, buffer)
    return buffer
  }

  private async parentMustBeDir(path: string[]): Promise<void> {
    const parent = await this.stat(path.slice(0, -1))
    if (!parent) fail(NFS3ERR_NOENT, key(path.slice(0, -1)))
    if (parent!.kind !== 'dir') fail(NFS3ERR_NOTDIR, key(path.slice(0, -1)))
  }

  /** After a removal: directories git dropped for being empty stay, in memory. */
  private async keepParents(path: string[]): Promise<void> {
    for (let n = path.length - 1; n > 0; n--) {
      const dir = path.slice(0, n)
      if ((await this.tree.kind(dir)) === undefined) this.emptyDirs.add(key(dir))
      else return
    }
  }

  /** Moves the write buffers and empty directories at or under `from` to `to`. */
  private moveKeys(from: string[], to: string[]): void {
    const f = key(from)
    const t = key(to)
    const moved = (k: string) => (k === f ? t : k.startsWith(`${f}/`) ? t + k.slice(f.length) : undefined)
    this.files.move(moved)
    this.emptyDirs.move(moved)
  }

  /** A commit, then a sync point: nothing stays only in the journal. */
  private async commitDurably(): Promise<void> {
    await this.commit()
    await this.durability.sync(this.baseId)
  }

  private async commit(): Promise<void> {
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
      const head = await this.options.store.batch(
        tx => {
          for (const op of ops) tx.apply(op)
        },
        { message: commitMessage(changes), author: this.options.author, unsynced },
      )
      this.pending = []
      this.changes = []
      this.unstableBytes = 0
      this.durability.committed(head?.id, unsynced)
      // Straight on top of what we had, the commit's tree is the new view: no need to read the head.
      const direct = head !== undefined && head.parents.length === 1 && head.parents[0] === this.baseId
      const committed = new Set(written.map(w => w.buffer))
      await this.rebase(head?.id ?? (await this.options.store.headId()), true, direct ? this.options.treeOf(head.tree) : undefined, committed)
      if (direct) this.options.onCommit?.(head.id, ops.map(op => op.path))
    } catch (error) {
      // Nothing was committed: keep everything for the next attempt, and tell clients (via the
      // verifier) that what they were told is unstable may have to be sent again.
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
  private async rebase(head: string | undefined, own = false, headTree?: Tree<Uint8Array>, committed?: ReadonlySet<OpenFile>): Promise<void> {
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

function tooBig(path: string[], size: number, limit: number): NfsStatusError {
  return new NfsStatusError(NFS3ERR_FBIG, `${key(path)} would be ${size} bytes; the store takes files up to ${limit}`)
}

function randomVerifier(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(8))
}
