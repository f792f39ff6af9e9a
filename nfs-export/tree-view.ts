/**
 * What an export reads: the working tree's current tree (the branch head plus the changes not
 * yet committed), the empty directories git cannot hold, and the write buffers of files being
 * written. `WorkingTree` changes it and commits it.
 */
import type { ObjectStore } from '../core/object-store.js'
import { compareNames, type Tree } from '../core/tree.js'
import { EmptyDirs } from './empty-dirs.js'
import { OpenFiles } from './open-files.js'
import { SpoolBuffer } from './spool-buffer.js'

export const FILE_MODE = '100644'
export const EXEC_MODE = '100755'
export const LINK_MODE = '120000'
export const DIR_MODE = '40000'

export interface Node {
  kind: 'file' | 'dir' | 'symlink'
  mode: string
  size: number
}

const DIR_NODE: Node = Object.freeze({ kind: 'dir', mode: DIR_MODE, size: 4096 })

export const key = (path: readonly string[]) => path.join('/')

export abstract class TreeView {
  protected tree!: Tree<Uint8Array>
  protected readonly files: OpenFiles
  protected readonly emptyDirs = new EmptyDirs()
  /** File sizes by blob id. */
  private readonly sizes = new Map<string, number>()

  constructor(
    /** The repo's objects (sizes are read raw; a large file goes to a spool where the backend has them). */
    private readonly objects: ObjectStore | undefined,
    spoolMin: number | undefined,
  ) {
    const backend = objects?.backend
    this.files = new OpenFiles(backend?.openSpool?.bind(backend), spoolMin)
  }

  /** The id of the tree as it is now, for directory cookie verifiers. */
  async versionOf(path: string[]): Promise<string> {
    return `${(await this.tree.entryKey(path)) ?? ''}|${this.emptyDirs.version}`
  }

  async stat(path: string[]): Promise<Node | undefined> {
    if (path.length === 0) return DIR_NODE
    const tree = this.tree
    return this.nodeOf(tree, path, await tree.modeAndId(path))
  }

  /** `stat` of each of `names` in the directory `dir`: the directory is read once, the sizes of files in one batch. */
  async statMany(dir: string[], names: readonly string[]): Promise<Array<Node | undefined>> {
    const tree = this.tree
    const entries = await tree.modesAndIds(dir, names)
    return Promise.all(names.map((name, i) => this.nodeOf(tree, [...dir, name], entries[i])))
  }

  private nodeOf(tree: Tree<Uint8Array>, path: string[], entry: { mode: string; id: string | undefined } | undefined): Node | undefined | Promise<Node> {
    if (entry === undefined) return this.emptyDirs.has(key(path)) ? DIR_NODE : undefined
    const { mode } = entry
    if (mode === DIR_MODE) return DIR_NODE
    const buffer = this.files.get(key(path))
    if (buffer) return { kind: 'file', mode: buffer.mode, size: buffer.size }
    const kind = mode === LINK_MODE ? 'symlink' : 'file'
    const size = this.sizes.get(entry.id!)
    if (size !== undefined) return { kind, mode, size }
    return this.sizeOf(tree, path, entry.id!).then(size => ({ kind, mode, size }))
  }

  /** Notes the size of blob `id` (a file just committed from a buffer that then goes). */
  protected knownSize(id: string, size: number): void {
    if (this.sizes.size > 100_000) this.sizes.clear()
    this.sizes.set(id, size)
  }

  /**
   * A file's size, from its stored bytes: the framed object's length less its header, without
   * checking or caching the blob (a listing of 10,000 files would evict what readers use); a read
   * of the bytes checks them. Sizes are kept by blob id.
   */
  private async sizeOf(tree: Tree<Uint8Array>, path: string[], id: string): Promise<number> {
    const framed = await this.objects?.readRaw(id)
    const size = framed ? framed.length - framed.indexOf(0) - 1 : (await tree.get(path)).length
    this.knownSize(id, size)
    return size
  }

  /** The names in a directory, sorted, with the in-memory empty directories among them. */
  async list(path: string[]): Promise<string[]> {
    const names = await this.tree.list(path)
    const extra = this.emptyDirs.childrenOf(key(path))
    return extra.length === 0 ? names : [...new Set([...names, ...extra])].sort(compareNames)
  }

  /** `count` bytes of a file from `offset`; a spooled file's are read into `into` when given. */
  async read(path: string[], offset: number, count: number, into?: Uint8Array): Promise<{ data: Uint8Array; eof: boolean }> {
    const buffer = this.files.get(key(path))
    if (buffer) return { data: buffer instanceof SpoolBuffer ? buffer.read(offset, count, into) : buffer.read(offset, count), eof: offset + count >= buffer.size }
    const bytes = await this.tree.get(path)
    const start = Math.min(offset, bytes.length)
    const end = Math.min(bytes.length, offset + count)
    return { data: bytes.subarray(start, end), eof: end >= bytes.length }
  }

  async readlink(path: string[]): Promise<string> {
    return new TextDecoder().decode(await this.tree.get(path))
  }
}
