/**
 * `Tree<T>`: an immutable, lazy view of a directory tree holding values of type `T`.
 *
 * Opening a tree reads nothing; a subtree is loaded the first time a path goes through it and
 * cached by id. Every change returns a new tree that shares all untouched directories with the
 * old one, and writing it stores only the directories on changed paths (O(depth) objects per
 * changed key). `update` applies many changes building each changed directory once.
 *
 * Reads take a synchronous path while everything they need is in memory or cached, and fall
 * back to loading (batched) only when something is missing.
 */
import type { Contents } from './contents.js'
import { DIR, Dir, Entry, loadDir, markStored, type SealOutput } from './dir.js'
import { diffDirs, type PendingChange } from './tree-diff.js'
import { applyNode, ChangeNode } from './tree-update.js'
import { InvalidArgumentError, InvalidObjectIdError, InvalidPathError, NotFoundError } from './errors.js'
import { isObjectId } from './hex.js'
import { BLOB, type ObjectStore, type ObjectWriter } from './object-store.js'
import { frameObject } from './objects/frame.js'
import { FILE_MODE, GITLINK_MODE, TREE_MODE } from './objects/git-tree.js'
import { formatPath, type Path, validatePath } from './path.js'

export type TreeOp<T> =
  | { readonly op: 'set'; readonly path: Path; readonly value: T; readonly mode?: string }
  | { readonly op: 'remove'; readonly path: Path }
  | { readonly op: 'setTree'; readonly path: Path; readonly tree: Tree<T> }
  /** A file whose blob is stored already (`ObjectStore.adopt`), by id. */
  | { readonly op: 'link'; readonly path: Path; readonly id: string; readonly mode?: string }

export interface Change<T> {
  readonly path: Path
  readonly kind: 'added' | 'removed' | 'updated'
  readonly before?: T
  readonly after?: T
}

export type NodeKind = 'file' | 'dir'

/** Returned by the synchronous lookups when something must be loaded first. */
const MISS = Symbol('miss')
type Sync<V> = V | typeof MISS

export class Tree<T> {
  /** @internal Use `repo.emptyTree()`, `store.tree()` or `repo.treeOf(id)`. */
  constructor(
    readonly objects: ObjectStore,
    readonly contents: Contents<T>,
    private readonly rootDir: Dir | undefined,
    private readonly rootId: string | undefined,
    /**
     * @internal The garbage collector's generation (`GcCoordinator.generation`) when the stored
     * objects this tree names were last known present; -1 when never. A write of a tree older
     * than the latest sweep checks that they still exist (see `core/write-hold.ts`).
     */
    readonly generation: number = -1,
    /**
     * @internal Where this tree's stored objects come from: trees derived by changes alone share
     * their source's origin; a graft of another tree or a merge makes a new one. A write whose
     * tree has the origin of a commit it pinned needs no further protection.
     */
    readonly origin: object = {},
  ) {}

  static empty<T>(objects: ObjectStore, contents: Contents<T>): Tree<T> {
    return new Tree(objects, contents, Dir.empty(), undefined, objects.gc.generation)
  }

  /** The tree `id`, named when the collector's generation was `generation` (-1: unknown). */
  static ofId<T>(objects: ObjectStore, contents: Contents<T>, id: string, generation = -1): Tree<T> {
    return new Tree(objects, contents, undefined, id, generation)
  }

  /** The git tree id of this tree (hashing modified directories, writing nothing). */
  hash(): string {
    return this.rootDir ? this.rootDir.seal(this.objects) : this.rootId!
  }

  /** @internal */
  root(): Dir | Promise<Dir> {
    return this.rootDir ?? this.objects.peek(this.rootId!, DIR) ?? this.objects.load(this.rootId!, DIR, 'root tree')
  }

  private rootSync(): Sync<Dir> {
    return this.rootDir ?? this.objects.peek(this.rootId!, DIR) ?? MISS
  }

  /** The entry at `path` using only memory and the cache. `path` must be valid and non-empty. */
  private entryAtSync(path: Path): Sync<Entry | undefined> {
    let dir = this.rootSync()
    if (dir === MISS) return MISS
    const last = path.length - 1
    for (let i = 0; i < last; i++) {
      const entry: Entry | undefined = dir.get(path[i], true)
      if (entry === undefined || !entry.isTree) return undefined
      let next: Dir | undefined = entry.dir ?? entry.child?.deref()
      if (next === undefined) {
        next = this.objects.peek(entry.id!, DIR)
        if (next === undefined) return MISS
        entry.child = new WeakRef(next)
      }
      dir = next
    }
    return dir.get(path[last])
  }

  private async entryAt(path: Path): Promise<Entry | undefined> {
    validatePath(path)
    if (path.length === 0) return undefined
    const fast = this.entryAtSync(path)
    if (fast !== MISS) return fast
    let dir = await this.root()
    const last = path.length - 1
    for (let i = 0; i < last; i++) {
      const entry = dir.get(path[i], true)
      if (entry === undefined || !entry.isTree) return undefined
      dir = await loadDir(this.objects, entry)
    }
    return dir.get(path[last])
  }

  private async dirAt(path: Path): Promise<Dir | undefined> {
    if (path.length === 0) return this.root()
    const entry = await this.entryAt(path)
    return entry?.isTree ? loadDir(this.objects, entry) : undefined
  }

  /** The value at `path`, or undefined when there is none (missing, or a directory). */
  find(path: Path): Promise<T | undefined> {
    return this.read(path, false)
  }

  /** The value at `path`; throws `NotFoundError` when there is none. */
  get(path: Path): Promise<T> {
    return this.read(path, true) as Promise<T>
  }

  private read(path: Path, required: boolean): Promise<T | undefined> {
    validatePath(path)
    if (path.length > 0) {
      const entry = this.entryAtSync(path)
      if (entry !== MISS) {
        if (entry === undefined || entry.isTree || entry.isGitlink) {
          return required ? Promise.reject(new NotFoundError(formatPath(path))) : Promise.resolve(undefined)
        }
        const value = this.valueSync(entry)
        if (value !== MISS) return Promise.resolve(value)
      }
    }
    return this.readAsync(path, required)
  }

  private async readAsync(path: Path, required: boolean): Promise<T | undefined> {
    const entry = await this.entryAt(path)
    if (entry === undefined || entry.isTree || entry.isGitlink) {
      if (required) throw new NotFoundError(formatPath(path))
      return undefined
    }
    return this.valueOf(entry)
  }

  /**
   * @internal What a read of `path` depends on: the mode and id of the entry there (the root's
   * id for `[]`), or undefined when there is none. Equal keys in two trees: equal reads.
   */
  async entryKey(path: Path): Promise<string | undefined> {
    if (path.length === 0) return this.hash()
    const entry = await this.entryAt(path)
    if (entry === undefined) return undefined
    return `${entry.mode} ${entry.id ?? (entry.dir ? entry.dir.seal(this.objects) : '')}`
  }

  /**
   * @internal The mode of the entry at `path` and its id — undefined for a directory changed in
   * memory: unlike `entryKey`, this never serialises and hashes a changed directory.
   */
  async modeAndId(path: Path): Promise<{ mode: string; id: string | undefined } | undefined> {
    if (path.length === 0) return { mode: TREE_MODE, id: this.rootDir ? undefined : this.rootId }
    const entry = await this.entryAt(path)
    return entry && { mode: entry.mode, id: entry.id }
  }

  /** @internal `modeAndId` of each of `names` in the directory at `path` (a directory read once). */
  async modesAndIds(path: Path, names: readonly string[]): Promise<Array<{ mode: string; id: string | undefined } | undefined>> {
    validatePath(path)
    const dir = await this.dirAt(path)
    return names.map(name => {
      const entry = dir?.get(name)
      return entry && { mode: entry.mode, id: entry.id }
    })
  }

  /** The blob id of the value at `path`, or undefined. */
  async findId(path: Path): Promise<string | undefined> {
    const entry = await this.entryAt(path)
    if (entry === undefined || entry.isTree) return undefined
    return entry.id
  }

  async kind(path: Path): Promise<NodeKind | undefined> {
    validatePath(path)
    if (path.length === 0) return 'dir'
    const entry = await this.entryAt(path)
    return entry === undefined ? undefined : entry.isTree ? 'dir' : 'file'
  }

  /** Names of the children of the directory at `path`, sorted; `[]` if it is not a directory. */
  async list(path: Path = []): Promise<string[]> {
    validatePath(path)
    const dir = await this.dirAt(path)
    if (!dir) return []
    // A listing is usually followed by reads of the children: a lazy backend fetches them at once.
    const backend = this.objects.backend
    if (!backend.prefetch) return dir.names().sort(compareNames)
    const entries = dir.entries()
    backend.prefetch(entries.filter(e => e.id !== undefined && !e.isGitlink).map(e => e.id!))
    return entries.map(e => e.name).sort(compareNames)
  }

  /** The subtree at `path`, or undefined when there is no directory there. */
  async findTree(path: Path): Promise<Tree<T> | undefined> {
    validatePath(path)
    if (path.length === 0) return this
    const entry = await this.entryAt(path)
    if (!entry?.isTree) return undefined
    return new Tree(this.objects, this.contents, entry.dir, entry.dir ? undefined : entry.id, this.generation, this.origin)
  }

  async getTree(path: Path): Promise<Tree<T>> {
    const tree = await this.findTree(path)
    if (!tree) throw new NotFoundError(`${formatPath(path)} (no directory there)`)
    return tree
  }

  set(path: Path, value: T, mode: string = FILE_MODE): Promise<Tree<T>> {
    return this.update([{ op: 'set', path, value, mode }])
  }

  remove(path: Path): Promise<Tree<T>> {
    return this.update([{ op: 'remove', path }])
  }

  setTree(path: Path, tree: Tree<T>): Promise<Tree<T>> {
    return this.update([{ op: 'setTree', path, tree }])
  }

  /** Applies the operations in order, building each changed directory once. */
  async update(ops: Iterable<TreeOp<T>>): Promise<Tree<T>> {
    const changes = new ChangeNode()
    let generation = this.generation
    let origin = this.origin
    for (const op of ops) {
      changes.add(op.path, this.entryFor(op))
      if (op.op !== 'setTree') continue
      generation = Math.min(generation, op.tree.generation)
      if (op.tree.origin !== origin) origin = {}
    }
    let root: Dir
    if (changes.hasEntry) {
      const entry = changes.entry
      root = entry === null || entry === undefined ? Dir.empty() : await loadDir(this.objects, entry)
    } else {
      root = await this.root()
    }
    if (changes.children) root = await applyNode(this.objects, root, changes.children)
    if (root === this.rootDir && origin === this.origin) return this
    return new Tree(this.objects, this.contents, root, undefined, generation, origin)
  }

  /** The entry an operation puts at its path (`null`: nothing there). Validates the path. */
  private entryFor(op: TreeOp<T>): Entry | null {
    validatePath(op.path)
    const name = op.path[op.path.length - 1] ?? ''
    switch (op.op) {
      case 'remove':
        return null
      case 'set': {
        if (op.path.length === 0) throw new InvalidPathError(op.path, 'the root is a directory and cannot hold a value')
        const blob = frameObject('blob', this.contents.encode(op.value))
        return Entry.file(name, this.objects.hash(blob), blob, op.mode ?? FILE_MODE)
      }
      case 'link': {
        if (op.path.length === 0) throw new InvalidPathError(op.path, 'the root is a directory and cannot hold a value')
        if (!isObjectId(op.id)) throw new InvalidObjectIdError(op.id)
        return Entry.file(name, op.id, undefined, op.mode ?? FILE_MODE)
      }
      case 'setTree': {
        const tree = op.tree
        if (!(tree instanceof Tree)) throw new InvalidArgumentError('setTree takes a Tree')
        if (tree.objects !== this.objects) throw new InvalidArgumentError('setTree takes a tree of the same repo')
        if (tree.rootDir) return tree.rootDir.size === 0 ? null : Entry.tree(name, tree.rootDir)
        return Entry.treeId(name, tree.rootId!)
      }
    }
  }

  /** Changes from this tree to `other`, sorted by path, with the values on both sides. */
  async diff(other: Tree<T>): Promise<Change<T>[]> {
    const pending: PendingChange[] = []
    const [a, b] = await Promise.all([this.root(), other.root()])
    a.seal(this.objects)
    b.seal(other.objects)
    await diffDirs(this.objects, [], a, b, pending)
    pending.sort((x, y) => comparePaths(x.path, y.path))
    return Promise.all(
      pending.map(async p => ({
        path: p.path,
        kind: p.kind,
        ...(p.before ? { before: await this.valueOf(p.before) } : {}),
        ...(p.after ? { after: await other.valueOf(p.after) } : {}),
      })),
    )
  }

  /** Every value under `path`, depth first in name order; each directory's values load as one batch. */
  async *walk(path: Path = []): AsyncGenerator<[Path, T]> {
    validatePath(path)
    const dir = await this.dirAt(path)
    if (dir) yield* this.walkDir([...path], dir)
  }

  private async *walkDir(prefix: string[], dir: Dir): AsyncGenerator<[Path, T]> {
    const sorted = dir.entries().sort((x, y) => compareNames(x.name, y.name))
    const [values, subdirs] = await Promise.all([
      Promise.all(sorted.map(e => (e.isTree || e.isGitlink ? undefined : this.valueOf(e)))),
      Promise.all(sorted.map(e => (e.isTree ? loadDir(this.objects, e) : undefined))),
    ])
    for (let i = 0; i < sorted.length; i++) {
      const e = sorted[i]
      if (e.isTree) yield* this.walkDir([...prefix, e.name], subdirs[i]!)
      else if (!e.isGitlink) yield [[...prefix, e.name], values[i]!]
    }
  }

  private valueSync(entry: Entry): Sync<T> {
    if (entry.body) return this.contents.decode(entry.body)
    if (entry.blob) return this.contents.decode(entry.blob.subarray(entry.blob.indexOf(0) + 1))
    const body = this.objects.peek(entry.id!, BLOB)
    if (body === undefined) return MISS
    this.keepBody(entry, body)
    return this.contents.decode(body)
  }

  /** Keeps a read blob on its (memoised) entry, and charges the cache for it. */
  private keepBody(entry: Entry, body: Uint8Array): void {
    entry.body = body
    this.objects.charge(body.length + 64)
  }

  /** @internal The value of a file entry. */
  async valueOf(entry: Entry): Promise<T> {
    const value = this.valueSync(entry)
    if (value !== MISS) return value
    const body = await this.objects.load(entry.id!, BLOB)
    this.keepBody(entry, body)
    return this.contents.decode(body)
  }

  /**
   * @internal Seals this tree, handing the objects the backend lacks to `writer`; returns the
   * tree id, a callback to run once the writer has finished (it marks the directories stored
   * and caches them for the next reader), and `references`: the stored objects the new
   * directories name without writing them (the root itself when nothing is new).
   */
  writeTo(writer: ObjectWriter): SealedTree {
    if (!this.rootDir) return { id: this.rootId!, written: () => {}, references: () => [this.rootId!] }
    const out: SealOutput = { writer, dirs: [], blobs: [] }
    const id = this.rootDir.seal(this.objects, out)
    return { id, written: () => markStored(out, this.objects), references: () => storedReferences(id, out) }
  }
}

export interface SealedTree {
  readonly id: string
  written(): void
  references(): string[]
}

function storedReferences(root: string, out: SealOutput): string[] {
  if (out.dirs.length === 0) return [root]
  const fresh = new Set<string>()
  for (const dir of out.dirs) fresh.add(dir.id!)
  for (const entry of out.blobs) fresh.add(entry.id!)
  const named = new Set<string>()
  for (const dir of out.dirs) {
    dir.forEachChild((id, _isTree, mode) => {
      if (mode !== GITLINK_MODE && !fresh.has(id)) named.add(id)
    })
  }
  return [...named]
}

/** Code-point order of names: what `list` returns and what paths sort by. */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!
    const cb = b.codePointAt(i)!
    if (ca !== cb) return ca - cb
    if (ca > 0xffff) i++
  }
  return a.length - b.length
}

export function comparePaths(a: Path, b: Path): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const c = compareNames(a[i], b[i])
    if (c !== 0) return c
  }
  return a.length - b.length
}

