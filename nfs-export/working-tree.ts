/**
 * The file system an export serves: the branch's tree plus what NFS clients changed since the
 * last commit. Its operations (write, create, remove, rename, mkdir, symlink, mode) check the
 * tree as it is now and change it at once; how the changes become commits, and stay durable
 * meanwhile, is `PendingChanges`'s; what it reads is `TreeView`'s.
 */
import { NfsStatusError } from './errors.js'
import { FileBuffer } from './file-buffer.js'
import { NFS3ERR_EXIST, NFS3ERR_FBIG, NFS3ERR_INVAL, NFS3ERR_ISDIR, NFS3ERR_NOENT, NFS3ERR_NOTDIR, NFS3ERR_NOTEMPTY, NFS3ERR_ROFS } from './nfs3-constants.js'
import type { OpenFile } from './open-files.js'
import { PendingChanges, type WorkingTreeOptions } from './pending-changes.js'
import { EXEC_MODE, FILE_MODE, key, LINK_MODE } from './tree-view.js'

export type { WorkingTreeOptions } from './pending-changes.js'

/** How many bytes written but not committed the server holds before it commits on its own. */
const UNSTABLE_BUDGET = 512 << 20

const fail = (status: number, why: string): never => {
  throw new NfsStatusError(status, why)
}

export class WorkingTree extends PendingChanges {
  private constructor(options: WorkingTreeOptions) {
    super(options)
  }

  static async open(options: WorkingTreeOptions): Promise<WorkingTree> {
    const wt = new WorkingTree(options)
    await wt.start()
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

  /** COMMIT: what was written is on stable storage when this resolves (see `stabilizeLocked`). */
  stabilize(): Promise<void> {
    return this.locked(() => this.stabilizeLocked())
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

}

function tooBig(path: string[], size: number, limit: number): NfsStatusError {
  return new NfsStatusError(NFS3ERR_FBIG, `${key(path)} would be ${size} bytes; the store takes files up to ${limit}`)
}
