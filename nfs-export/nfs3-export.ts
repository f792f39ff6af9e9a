/**
 * One exported branch as NFS sees it: handles resolved to paths, attributes of nodes, and the
 * times clients set. Shared by the read and write procedures (nfs3-read.ts, nfs3-write.ts).
 */
import { createHash } from 'node:crypto'
import type { Repo } from '../core/repo.js'
import type { Store } from '../core/store.js'
import { NfsStatusError } from './errors.js'
import { CommitTimes } from './commit-times.js'
import { Handles, ROOT_ID } from './handles.js'
import { NF3DIR, NF3LNK, NF3REG, NFS3ERR_BADHANDLE, NFS3ERR_INVAL, NFS3ERR_NAMETOOLONG, NFS3ERR_NOTDIR, NFS3ERR_STALE, NFS3_MAXNAMLEN } from './nfs3-constants.js'
import { EXEC_MODE, type Node } from './tree-view.js'
import type { WorkingTree } from './working-tree.js'
import type { XdrWriter } from './xdr.js'

export interface Resolved {
  id: bigint
  path: string[]
  node: Node
  /** When the commit that last changed it was made (ms), if it is in the served commit. */
  committed?: number
}

export interface Times {
  atime: number
  mtime: number
  ctime: number
}

const HANDLE_STATE_FILE = 'handles.json'
/** How many directory entries' attributes READDIRPLUS loads ahead, in one batch. */
const PREFETCH = 1000

export class NfsExport {
  /** Times set by SETATTR or by writes, kept for the life of the server (ms since the epoch). */
  private readonly times = new Map<bigint, Times>()
  /** The tree version at which a full walk last failed to find an id: until it changes, unknown ids are STALE at once. */
  private walkedAt: string | undefined
  /** When the served commit was made: the time of everything nobody changed here. */
  epoch = Date.now()
  private lastListing: { version: string; names: string[]; verifier: Uint8Array; chunks: Map<number, Promise<unknown>> } | undefined
  private refreshedAt = -Infinity

  private readonly commitTimes: CommitTimes

  constructor(
    readonly wt: WorkingTree,
    readonly handles: Handles,
    exported: { repo: Repo<Uint8Array>; store: Store<Uint8Array> },
    /** Where the handle overrides are kept (a branch beside the exported one), or undefined when read-only. */
    private readonly stateStore: Store<Uint8Array> | undefined,
  ) {
    this.commitTimes = new CommitTimes(exported.repo, exported.store)
  }

  static async open(wt: WorkingTree, repo: Repo<Uint8Array>, exported: Store<Uint8Array>, stateStore: Store<Uint8Array> | undefined, exportName: string): Promise<NfsExport> {
    const handles = new Handles(Handles.tagOf(exportName))
    const saved = await stateStore?.find([HANDLE_STATE_FILE])
    if (saved) handles.load(new TextDecoder().decode(saved))
    const x = new NfsExport(wt, handles, { repo, store: exported }, stateStore)
    const head = await exported.head()
    if (head) x.epoch = head.date.getTime()
    return x
  }

  /** Saves the handle overrides (after a rename), so handles survive a restart. */
  async saveHandles(): Promise<void> {
    await this.stateStore?.set([HANDLE_STATE_FILE], new TextEncoder().encode(this.handles.serialize()), { message: 'nfs: file handles after a rename' })
  }

  /** The handle of the directory at `path` (undefined: no directory there). */
  async directoryHandle(path: string[]): Promise<Uint8Array | undefined> {
    await this.wt.refresh() // another writer may have made the directory since the last request
    if ((await this.wt.stat(path))?.kind !== 'dir') return undefined
    let id = ROOT_ID
    for (const name of path) id = this.handles.childId(id, name)
    return this.handles.encode(id)
  }

  /** A handle's node; BADHANDLE when it does not decode, STALE when its node is gone. */
  async resolve(handle: Uint8Array): Promise<Resolved> {
    // Another writer may have moved the branch: one ref read, at most every 25 ms unless the
    // backend said the ref moved (a store.watch would diff the trees of every commit, which
    // costs more than the commit).
    const now = performance.now()
    if (now - this.refreshedAt > 25) {
      this.refreshedAt = now
      await this.wt.refresh()
    }
    const decoded = this.handles.decode(handle)
    if (decoded.kind === 'bad') throw new NfsStatusError(NFS3ERR_BADHANDLE, 'undecodable file handle')
    if (decoded.kind === 'stale') throw new NfsStatusError(NFS3ERR_STALE, 'a handle of another export')
    const { id } = decoded
    const path = (await this.check(id, this.handles.pathOf(id))) ?? (await this.walkFor(id))
    if (!path) throw new NfsStatusError(NFS3ERR_STALE, `no file with id ${id.toString(16)}`)
    return this.dated({ id, path, node: (await this.wt.stat(path))! })
  }

  /** The directory handle's node, which must be a directory. */
  async resolveDir(handle: Uint8Array): Promise<Resolved> {
    const dir = await this.resolve(handle)
    if (dir.node.kind !== 'dir') throw new NfsStatusError(NFS3ERR_NOTDIR, dir.path.join('/'))
    return dir
  }

  /** The node `name` in `dir` (undefined: none), with its id. */
  async child(dir: Resolved, name: string): Promise<Resolved | undefined> {
    const path = [...dir.path, name]
    const node = await this.wt.stat(path)
    return node && this.dated({ id: this.handles.childId(dir.id, name), path, node })
  }

  /** `child` of each of `names` in `dir`, looked up together (a READDIRPLUS page). */
  async children(dir: Resolved, names: readonly string[]): Promise<Array<Resolved | undefined>> {
    const [nodes, dateOf] = await Promise.all([this.wt.statMany(dir.path, names), this.commitTimes.in(this.wt.headId, dir.path)])
    return names.map((name, i) => {
      const node = nodes[i]
      if (node === undefined) return undefined
      const r: Resolved = { id: this.handles.childId(dir.id, name), path: [...dir.path, name], node }
      if (this.times.has(r.id)) return r // changed here: its own times win
      const committed = dateOf(name)
      if (committed !== undefined) r.committed = committed
      return r
    })
  }

  /** Adds the date of the commit that last changed the node (the root: the served commit's). */
  async dated(r: Resolved): Promise<Resolved> {
    if (this.times.has(r.id)) return r // changed here: its own times win
    const head = this.wt.headId
    const committed = r.path.length === 0 ? this.epoch : await this.commitTimes.of(head, r.path.slice(0, -1), r.path[r.path.length - 1])
    return committed === undefined ? r : { ...r, committed }
  }

  private async check(id: bigint, path: string[] | undefined): Promise<string[] | undefined> {
    if (!path) return undefined
    return (await this.wt.stat(path)) ? path : undefined
  }

  /** Finds an id by walking the tree (after a restart the index is empty). */
  private async walkFor(id: bigint): Promise<string[] | undefined> {
    const version = await this.wt.versionOf([])
    if (this.walkedAt === version) return undefined
    const queue: Array<{ id: bigint; path: string[] }> = [{ id: ROOT_ID, path: [] }]
    while (queue.length > 0) {
      const dir = queue.shift()!
      for (const name of await this.wt.list(dir.path)) {
        const childId = this.handles.childId(dir.id, name)
        const path = [...dir.path, name]
        if (childId === id) return path
        if ((await this.wt.stat(path))?.kind === 'dir') queue.push({ id: childId, path })
      }
    }
    this.walkedAt = version
    return undefined
  }

  /** The export's own commit `id` changed `paths`: file times advance without a diff. */
  committed(id: string, paths: readonly (readonly string[])[]): void {
    this.commitTimes.changed(id, paths)
  }

  /** The exported ref moved (the backend says so): look at it on the next request. */
  refMoved(): void {
    this.refreshedAt = -Infinity
  }

  /**
   * A directory's sorted names and its cookie verifier (a digest of its version), kept for the
   * last directory listed: paging through 10,000 entries lists and sorts them once.
   */
  async listing(path: string[], from: number): Promise<{ names: string[]; verifier: Uint8Array }> {
    const version = `${path.join('/')}\0${await this.wt.versionOf(path)}`
    if (this.lastListing?.version !== version) {
      const names = await this.wt.list(path)
      this.lastListing = { version, names, verifier: createHash('sha1').update(version).digest().subarray(0, 8), chunks: new Map() }
    }
    // File sizes need the blobs: they load a thousand entries at a time, in one batch rather
    // than a page's worth per request, and the next thousand start loading while the client
    // reads the second half of these (the reads overlap the round trips).
    const listing = this.lastListing
    const load = (chunk: number): Promise<unknown> | undefined => {
      const start = chunk * PREFETCH
      if (start >= listing.names.length) return undefined
      let loading = listing.chunks.get(chunk)
      if (loading === undefined) {
        loading = this.wt.statMany(path, listing.names.slice(start, start + PREFETCH)).catch(() => undefined)
        listing.chunks.set(chunk, loading)
      }
      return loading
    }
    const chunk = Math.floor(from / PREFETCH)
    await load(chunk)
    if (from % PREFETCH >= PREFETCH / 2) void load(chunk + 1)
    if (from % PREFETCH >= PREFETCH - 200) await load(chunk + 1) // the page may run into it
    return listing
  }

  /** Times set here (by SETATTR or a change), else those of the commit that last changed it. */
  timesOf(id: bigint, committed = this.epoch): Times {
    return this.times.get(id) ?? { atime: committed, mtime: committed, ctime: committed }
  }

  /** Notes a change to `id` now (and to its directory's listing, when `dir` is given). */
  touch(id: bigint, dir?: bigint): void {
    const now = Date.now()
    const t = this.timesOf(id)
    this.times.set(id, { atime: t.atime, mtime: now, ctime: now })
    if (dir !== undefined) this.touch(dir)
  }

  setTimes(id: bigint, atime: number | undefined, mtime: number | undefined): void {
    const t = this.timesOf(id)
    this.times.set(id, { atime: atime ?? t.atime, mtime: mtime ?? t.mtime, ctime: Date.now() })
  }

  /** fattr3 */
  writeAttrs(w: XdrWriter, r: Resolved): void {
    const { node, id } = r
    const type = node.kind === 'dir' ? NF3DIR : node.kind === 'symlink' ? NF3LNK : NF3REG
    const mode = node.kind === 'dir' ? 0o755 : node.kind === 'symlink' ? 0o777 : node.mode === EXEC_MODE ? 0o755 : 0o644
    const t = this.timesOf(id, r.committed)
    w.u32(type).u32(mode).u32(node.kind === 'dir' ? 2 : 1).u32(0).u32(0)
    w.u64(node.size).u64(node.size).u32(0).u32(0).u64(1).u64(id)
    writeTime(w, t.atime)
    writeTime(w, t.mtime)
    writeTime(w, t.ctime)
  }

  /** post_op_attr */
  writePostOp(w: XdrWriter, r: Resolved | undefined): void {
    w.bool(r !== undefined)
    if (r) this.writeAttrs(w, r)
  }

  /** post_op_fh3 */
  writePostOpHandle(w: XdrWriter, id: bigint | undefined): void {
    w.bool(id !== undefined)
    if (id !== undefined) this.handles.writeTo(w, id)
  }

  /** The node again after a change (undefined when it is gone). */
  async again(r: Resolved): Promise<Resolved | undefined> {
    const node = await this.wt.stat(r.path)
    return node && { ...r, node }
  }
}

export function writeTime(w: XdrWriter, ms: number): void {
  w.u32(Math.floor(ms / 1000)).u32((ms % 1000) * 1_000_000)
}

/** A name a client may create or look up: not empty, no `/` or NUL, not `.`/`..`, at most 255 bytes. */
export function checkName(name: string): void {
  if (Buffer.byteLength(name) > NFS3_MAXNAMLEN) throw new NfsStatusError(NFS3ERR_NAMETOOLONG, 'name too long')
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw new NfsStatusError(NFS3ERR_INVAL, `invalid name ${JSON.stringify(name)}`)
}
