/**
 * The lazy (promisor) backend: wraps a local backend; a read that misses locally fetches the
 * object from the store's promisor remote (POST objects) and keeps it. Misses of one tick of the
 * event loop go out as one request; a listed directory's children are fetched together
 * (`prefetch`, called by `Tree.list`). Offline, a miss fails with `RemoteUnavailableError`.
 *
 * Everything else is the local backend's: refs, writes, `hasObjects` (local presence, so a push
 * or a fetch names only what is really here), and `promisor.local`, through which garbage
 * collection and fsck read without fetching (core/object-store.ts `localObjects`).
 */
import { type Backend, coordinatorOf, type ObjectEntry } from '../../core/index.js'
import { FrameKind } from '../frames.js'
import { listRemotes } from './remotes.js'
import { SyncTransport, type TransportOptions } from './transport.js'

export interface LazyOptions extends TransportOptions {
  /** The remote to fetch from (default: the store's remote remembered as lazy by clone). */
  readonly url?: string
  /** A transport to use (tests count its requests). */
  readonly transport?: SyncTransport
}

/** Ids per request (the server's bound for POST objects). */
const MAX_IDS = 10_000

interface Waiter {
  resolve(bytes: Uint8Array | undefined): void
  reject(error: unknown): void
}

export function lazyBackend(local: Backend, options: LazyOptions = {}): LazyBackend {
  return new LazyBackend(local, options)
}

export function isLazyBackend(backend: Backend): backend is LazyBackend {
  return backend instanceof LazyBackend
}

export class LazyBackend implements Backend {
  readonly promisor: { readonly local: Backend }
  /** Ids to ask for in the next request, with who waits for each (none: a prefetch). */
  private queued = new Map<string, Waiter[]>()
  /** Ids asked for in a request under way. */
  private readonly inflight = new Map<string, Promise<Uint8Array | undefined>>()
  private scheduled = false
  private transport: SyncTransport | undefined

  constructor(
    readonly local: Backend,
    private readonly options: LazyOptions = {},
  ) {
    this.promisor = { local }
    this.transport = options.transport
    // Optional parts of the contract are the local backend's, where it has them.
    if (local.getObjectsSync) this.getObjectsSync = ids => local.getObjectsSync!(ids)
    if (local.peekRef) this.peekRef = name => local.peekRef!(name)
    if (local.getShallow && local.setShallow) {
      this.getShallow = () => local.getShallow!()
      this.setShallow = ids => local.setShallow!(ids)
    }
    if (local.objectSizes) this.objectSizes = () => local.objectSizes!()
    if (local.beginDeletions) this.beginDeletions = () => local.beginDeletions!()
    if (local.retained) this.retained = expire => local.retained!(expire)
    if (local.watchRefs) this.watchRefs = listener => local.watchRefs!(listener)
  }

  getObjectsSync?: Backend['getObjectsSync']
  peekRef?: Backend['peekRef']
  getShallow?: Backend['getShallow']
  setShallow?: Backend['setShallow']
  objectSizes?: Backend['objectSizes']
  beginDeletions?: Backend['beginDeletions']
  retained?: Backend['retained']
  watchRefs?: Backend['watchRefs']

  /** Requests made to the remote so far. */
  get requests(): number {
    return this.transport?.requests ?? 0
  }

  async getObjects(ids: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    const found = await this.local.getObjects(ids)
    const misses: number[] = []
    found.forEach((bytes, i) => bytes === undefined && misses.push(i))
    if (misses.length === 0) return found
    const fetched = await Promise.all(misses.map(i => this.fromRemote(ids[i])))
    misses.forEach((i, k) => (found[i] = fetched[k]))
    return found
  }

  prefetch(ids: readonly string[]): void {
    if (ids.length === 0) return
    this.local.hasObjects(ids).then(
      present => {
        for (let i = 0; i < ids.length; i++) if (!present[i] && !this.inflight.has(ids[i]) && !this.queued.has(ids[i])) this.enqueue(ids[i])
      },
      () => {}, // a hint: a failure here shows again, to the reader, if the read happens
    )
  }

  /** `id` from the remote (undefined when the remote does not have it either). */
  private fromRemote(id: string): Promise<Uint8Array | undefined> {
    const flying = this.inflight.get(id)
    if (flying) return flying
    return new Promise((resolve, reject) => this.enqueue(id, { resolve, reject }))
  }

  private enqueue(id: string, waiter?: Waiter): void {
    const waiters = this.queued.get(id)
    if (waiters) {
      if (waiter) waiters.push(waiter)
    } else this.queued.set(id, waiter ? [waiter] : [])
    if (this.scheduled) return
    this.scheduled = true
    // A macrotask later: every miss of this turn of the event loop goes in the same request.
    setTimeout(() => this.flush(), 0)
  }

  private flush(): void {
    this.scheduled = false
    const queued = this.queued
    this.queued = new Map()
    const ids = [...queued.keys()]
    for (let start = 0; start < ids.length; start += MAX_IDS) {
      const batch = ids.slice(start, start + MAX_IDS)
      const request = this.request(batch)
      batch.forEach((id, i) => {
        const one = request.then(results => results[i])
        this.inflight.set(id, one)
        one.catch(() => {})
        for (const waiter of queued.get(id)!) one.then(waiter.resolve, waiter.reject)
        const clear = () => this.inflight.delete(id)
        one.then(clear, clear)
      })
    }
  }

  /** One POST objects; arrived objects are stored before the request resolves. */
  private async request(ids: string[]): Promise<Array<Uint8Array | undefined>> {
    const transport = await this.remote()
    if (transport === null) return ids.map(() => undefined)
    const got = new Map<string, Uint8Array>()
    const coordinator = coordinatorOf(this)
    const store = async (entries: ObjectEntry[]) => {
      // Noted as written, so a collection running now keeps them (see core/gc.ts).
      for (const [id] of entries) coordinator.written(id)
      await coordinator.putting(() => this.local.putObjects(entries))
    }
    let batch: ObjectEntry[] = []
    try {
      for await (const frame of transport.objects(ids)) {
        if (frame.kind !== FrameKind.object) continue
        got.set(frame.id, frame.bytes)
        batch.push([frame.id, frame.bytes])
        if (batch.length >= 1024) await store(batch.splice(0))
      }
    } finally {
      // What arrived is kept, even when the stream broke.
      if (batch.length > 0) await store(batch)
    }
    return ids.map(id => got.get(id))
  }

  /** The promisor's transport; none (yet: a clone may be about to remember one) is null. */
  private async remote(): Promise<SyncTransport | null> {
    if (this.transport !== undefined) return this.transport
    const url = this.options.url ?? (await listRemotes({ backend: this.local })).find(r => r.lazy)?.url
    if (url === undefined) return null
    this.transport = new SyncTransport(url, this.options)
    return this.transport
  }

  hasObjects(ids: readonly string[]): Promise<boolean[]> {
    return this.local.hasObjects(ids)
  }
  putObjects(objects: readonly ObjectEntry[]): Promise<void> {
    return this.local.putObjects(objects)
  }
  deleteObjects(ids: readonly string[]): Promise<void> {
    return this.local.deleteObjects(ids)
  }
  objectIds(): AsyncIterable<string> {
    return this.local.objectIds()
  }
  getRef(name: string): Promise<string | undefined> {
    return this.local.getRef(name)
  }
  listRefs(prefix?: string): Promise<Array<[name: string, id: string]>> {
    return this.local.listRefs(prefix)
  }
  casRef(name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    return this.local.casRef(name, expected, next)
  }
  close(): Promise<void> {
    return this.local.close()
  }
}
