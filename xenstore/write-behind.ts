/**
 * The daemon's durability choice: a backend wrapper whose puts and ref moves take effect at once
 * in memory and reach the wrapped backend (LevelDB) in the background, many commits per batch
 * (a group commit), objects always before the refs that name them (or, on LevelDB, in the same
 * synced batch). Everything reads through it, so the daemon sees its own writes; a crash loses
 * at most the writes acknowledged since the last flush finished (a batch goes out `intervalMs`
 * after the first write it holds, or at the next turn of the event loop by default: the daemon's
 * committer gathers its commits itself and puts them and the branch move together, every
 * FLUSH_INTERVAL_MS of committer.ts, so a batch holds one such put; plus the time the batch
 * before, if still under way, and this one take to sync); `close` and `flush` write everything,
 * so a clean shutdown loses nothing.
 *
 * Garbage collection stays as safe as on the wrapped backend: deletions, and the listings GC
 * sweeps from, first flush everything pending, so the wrapped backend then holds exactly what
 * the wrapper showed, and deletions land in the order GC issued them relative to puts.
 *
 * One process owns the wrapped store (LevelDB's rule), so the wrapper's view of refs is the truth.
 * For LevelDB only: it offers none of the optional native places (shallow file, reflogs) that
 * the git backend has, so GC keeps its history boundary in a blob, as on LevelDB itself.
 */
import { type Backend, type ObjectEntry, type RefListener, RefListeners } from '../core/backend.js'

export class WriteBehindBackend implements Backend {
  private objects = new Map<string, Uint8Array>()
  /** Objects being written by the flush under way (still readable from here until it lands). */
  private writing = new Map<string, Uint8Array>()
  /** Ref values as this process knows them (loaded on first use). */
  private readonly refs = new Map<string, string | undefined>()
  /** Refs as last written to the wrapped backend. */
  private readonly stored = new Map<string, string | undefined>()
  private readonly dirty = new Set<string>()
  private readonly listeners = new RefListeners()
  private flushing: Promise<void> | undefined
  /** Counts puts and ref moves; `durable` is the count the wrapped backend holds all of. */
  private epoch = 0
  private durable = 0
  private failure: unknown
  flushes = 0

  /** `intervalMs`: how long writes gather before a batch goes out (the most a crash can lose, plus the batch's own write); 0: until the next turn of the event loop. */
  constructor(
    readonly inner: Backend,
    readonly intervalMs = 0,
  ) {}

  async getObjects(ids: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    const found = ids.map(id => this.objects.get(id) ?? this.writing.get(id))
    const missing = ids.filter((_, i) => found[i] === undefined)
    if (missing.length === 0) return found
    const loaded = await this.inner.getObjects(missing)
    let j = 0
    return found.map(bytes => bytes ?? loaded[j++])
  }

  getObjectsSync(ids: readonly string[]): Array<Uint8Array | undefined> {
    const found = ids.map(id => this.objects.get(id) ?? this.writing.get(id))
    const missing = ids.filter((_, i) => found[i] === undefined)
    if (missing.length === 0 || !this.inner.getObjectsSync) return found
    const loaded = this.inner.getObjectsSync(missing)
    let j = 0
    return found.map(bytes => bytes ?? loaded[j++])
  }

  async hasObjects(ids: readonly string[]): Promise<boolean[]> {
    return (await this.getObjects(ids)).map(bytes => bytes !== undefined)
  }

  async putObjects(objects: readonly ObjectEntry[]): Promise<void> {
    this.check()
    for (const [id, bytes] of objects) this.objects.set(id, bytes)
    this.epoch++
    this.schedule()
  }

  async deleteObjects(ids: readonly string[]): Promise<void> {
    await this.flush()
    await this.inner.deleteObjects(ids)
  }

  async *objectIds(): AsyncIterable<string> {
    await this.flush()
    yield* this.inner.objectIds()
  }

  async getRef(name: string): Promise<string | undefined> {
    if (this.refs.has(name)) return this.refs.get(name)
    const id = await this.inner.getRef(name)
    if (!this.refs.has(name)) {
      this.refs.set(name, id)
      this.stored.set(name, id)
    }
    return this.refs.get(name)
  }

  peekRef(name: string): string | undefined {
    if (this.refs.has(name)) return this.refs.get(name)
    return this.inner.peekRef?.(name)
  }

  async listRefs(prefix = ''): Promise<Array<[name: string, id: string]>> {
    const listed = new Map(await this.inner.listRefs(prefix))
    for (const [name, id] of this.refs) {
      if (!name.startsWith(prefix)) continue
      if (id === undefined) listed.delete(name)
      else listed.set(name, id)
    }
    return [...listed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }

  async casRef(name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    this.check()
    if ((await this.getRef(name)) !== expected) return false
    this.refs.set(name, next)
    this.dirty.add(name)
    this.epoch++
    this.schedule()
    this.listeners.emit(name, next)
    return true
  }

  watchRefs(listener: RefListener): () => void {
    return this.listeners.add(listener)
  }

  /**
   * Resolves when everything put or moved before the call is in the wrapped backend (not what
   * comes after: under a steady stream of writes, waiting for none to be pending would never end).
   */
  async flush(): Promise<void> {
    const target = this.epoch
    while (this.durable < target) {
      this.check()
      this.schedule()
      if (this.flushing === undefined) break // nothing was pending after all
      await this.flushing
    }
    this.check()
  }

  async close(): Promise<void> {
    try {
      await this.flush()
    } finally {
      await this.inner.close()
    }
  }

  /** Starts the next batch unless one is under way; each batch starts the next while writes are pending. */
  private schedule(): void {
    this.flushing ??= this.writeBatch().finally(() => {
      this.flushing = undefined
      if (this.failure === undefined && (this.objects.size > 0 || this.dirty.size > 0)) this.schedule()
    })
  }

  /**
   * Writes one batch: objects first, then the refs naming them. It waits `intervalMs` first (or
   * for the next turn, so that the ref move following a put shares its batch), so that a stream
   * of small writes costs a few synced batches a second rather than two syncs per write (which,
   * on a busy machine, would take the CPU the daemon answers with).
   */
  private async writeBatch(): Promise<void> {
    if (this.objects.size === 0 && this.dirty.size === 0) return
    try {
      await new Promise(resolve => (this.intervalMs > 0 ? setTimeout(resolve, this.intervalMs) : setImmediate(resolve)))
      const covers = this.epoch
      this.writing = this.objects
      this.objects = new Map()
      const refs = [...this.dirty].map(name => [name, this.refs.get(name)] as const)
      this.dirty.clear()
      const objects = [...this.writing]
      // The usual batch (the daemon's commits: objects and the one branch naming them) is one
      // synced write where the backend offers it: one sync a batch instead of two.
      const combined = refs.length === 1 && objects.length > 0 ? this.inner.putObjectsAndCasRef?.bind(this.inner) : undefined
      if (combined) {
        const [name, id] = refs[0]!
        if (!(await combined(objects, name, this.stored.get(name), id))) throw new Error(`ref ${name} moved under the xenstore daemon: another process writes this store`)
        this.stored.set(name, id)
      } else {
        if (objects.length > 0) await this.inner.putObjects(objects)
        for (const [name, id] of refs) {
          if (!(await this.inner.casRef(name, this.stored.get(name), id))) throw new Error(`ref ${name} moved under the xenstore daemon: another process writes this store`)
          this.stored.set(name, id)
        }
      }
      this.writing = new Map()
      this.durable = covers
      this.flushes++
    } catch (error) {
      this.failure ??= error
    }
  }

  /** After a failed flush nothing more is accepted: acknowledging writes that cannot land would lose them. */
  private check(): void {
    if (this.failure !== undefined) throw this.failure
  }
}
