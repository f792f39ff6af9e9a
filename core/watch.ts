/**
 * Branch watches. A backend that can report ref moves (`watchRefs`) tells us of every write,
 * from any repo sharing it; otherwise the repo reports its own writes. Each watcher remembers the
 * last head it saw and, per move, diffs that head against the new one under its path. Events are
 * delivered in order, one at a time per watcher.
 */
import type { Backend } from './backend.js'
import { COMMIT, type CommitInfo } from './commit.js'
import type { ObjectStore } from './object-store.js'
import type { Path } from './path.js'
import type { Change, Tree } from './tree.js'

export interface WatchEvent<T> {
  readonly branch: string
  readonly before: CommitInfo | undefined
  readonly after: CommitInfo | undefined
  /** What changed under the watched path (paths are full paths from the root). */
  readonly changes: Change<T>[]
}

interface Watcher<T> {
  readonly branch: string
  readonly path: Path
  readonly listener: (event: WatchEvent<T>) => void
  lastSeen: Promise<string | undefined>
  chain: Promise<void>
}

export interface WatchContext<T> {
  readonly backend: Backend
  readonly objects: ObjectStore
  treeOf(id: string): Tree<T>
  emptyTree(): Tree<T>
}

export class Watches<T> {
  private readonly byRef = new Map<string, Set<Watcher<T>>>()
  private unsubscribe: (() => void) | undefined

  constructor(private readonly ctx: WatchContext<T>) {}

  /** Whether the backend reports moves itself (then the repo need not). */
  get backendReports(): boolean {
    return this.ctx.backend.watchRefs !== undefined
  }

  add(branch: string, ref: string, path: Path, listener: (event: WatchEvent<T>) => void): () => void {
    if (this.backendReports && this.unsubscribe === undefined) {
      this.unsubscribe = this.ctx.backend.watchRefs!((name, id) => this.moved(name, id))
    }
    const lastSeen = this.ctx.backend.getRef(ref)
    const watcher: Watcher<T> = { branch, path: [...path], listener, lastSeen, chain: lastSeen.then(() => {}, () => {}) }
    let set = this.byRef.get(ref)
    if (!set) this.byRef.set(ref, (set = new Set()))
    set.add(watcher)
    return () => {
      set!.delete(watcher)
      if (set!.size === 0) this.byRef.delete(ref)
      if (this.byRef.size === 0) this.stop()
    }
  }

  /** A ref now points at `id`. */
  moved(ref: string, id: string | undefined): void {
    for (const watcher of this.byRef.get(ref) ?? []) {
      watcher.chain = watcher.chain.then(() => this.deliver(watcher, id)).catch(() => {})
    }
  }

  private async deliver(watcher: Watcher<T>, id: string | undefined): Promise<void> {
    const previous = await watcher.lastSeen
    if (previous === id) return
    watcher.lastSeen = Promise.resolve(id)
    const [before, after] = await Promise.all([this.commit(previous), this.commit(id)])
    const changes = await diffAt(before?.tree ?? this.ctx.emptyTree(), after?.tree ?? this.ctx.emptyTree(), watcher.path)
    if (changes.length === 0) return
    watcher.listener({ branch: watcher.branch, before: before?.info, after: after?.info, changes })
  }

  private async commit(id: string | undefined): Promise<{ info: CommitInfo; tree: Tree<T> } | undefined> {
    if (id === undefined) return undefined
    const commit = await this.ctx.objects.load(id, COMMIT)
    return { info: commit.info(), tree: this.ctx.treeOf(commit.tree) }
  }

  stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }
}

/** Changes between two trees at and below `path`. */
export async function diffAt<T>(a: Tree<T>, b: Tree<T>, path: Path): Promise<Change<T>[]> {
  if (path.length === 0) return a.diff(b)
  const [kindA, kindB] = await Promise.all([a.kind(path), b.kind(path)])
  // Where a side has no directory at `path`, diff against the empty tree (`remove([])`).
  const subA = kindA === 'dir' ? await a.getTree(path) : await a.remove([])
  const subB = kindB === 'dir' ? await b.getTree(path) : await b.remove([])
  const changes: Change<T>[] = (await subA.diff(subB)).map(c => ({ ...c, path: [...path, ...c.path] }))
  if (kindA === 'file' && kindB === 'file') {
    const [idA, idB] = await Promise.all([a.findId(path), b.findId(path)])
    if (idA !== idB) changes.push({ path, kind: 'updated', before: await a.get(path), after: await b.get(path) })
  } else if (kindA === 'file') {
    changes.unshift({ path, kind: 'removed', before: await a.get(path) })
  } else if (kindB === 'file') {
    changes.unshift({ path, kind: 'added', after: await b.get(path) })
  }
  return changes
}
