/**
 * The IndexedDB backend, for browsers. One IndexedDB database per store, named as given, holding
 * two object stores: `objects` (hex id → framed git object, a `Uint8Array`) and `refs` (full ref
 * name → hex id). Data survives reloads and is shared by every tab of the same origin.
 *
 * - `putObjects`, `deleteObjects` and `casRef` are one readwrite transaction each, with `strict`
 *   durability: they resolve once the browser has flushed the write (Chromium has defaulted to
 *   `relaxed` since version 121, which resolves before the data is on disk; browsers without the
 *   option ignore it).
 * - `casRef` reads, compares and writes in one readwrite transaction. IndexedDB runs readwrite
 *   transactions over the same store one at a time, across tabs too, so the swap is atomic.
 * - `watchRefs` hears moves made through this backend object and, over a `BroadcastChannel`
 *   named after the database, moves made by other backend objects on the same database (other
 *   tabs, other repos in this page).
 * - When another tab deletes or upgrades the database, or the browser drops the connection
 *   (storage cleared), this backend closes itself: later calls reject with `ClosedError`.
 *
 * Where IndexedDB is missing (Node, old browsers) or refuses to open a database (private
 * browsing in some browsers, storage disabled, sandboxed iframes and other opaque origins),
 * `openIndexedDbBackend` rejects with `IndexedDbUnavailableError` (code `ENOINDEXEDDB`). Fall
 * back to the memory backend, which keeps everything in the page and loses it on reload:
 *
 * ```ts
 * import { IndexedDbUnavailableError, openIndexedDbBackend, openMemoryBackend, type Backend } from 'irminsule'
 *
 * async function openBrowserBackend(name: string): Promise<Backend> {
 *   try {
 *     return await openIndexedDbBackend(name)
 *   } catch (error) {
 *     if (!(error instanceof IndexedDbUnavailableError)) throw error
 *     return openMemoryBackend() // not persistent: tell the user their data will not be kept
 *   }
 * }
 * ```
 *
 * The batches go through idb-keyval (`getMany`, `setMany`, `delMany`), but the database is
 * opened here rather than with idb-keyval's `createStore`: that can neither close its
 * connection (needed by `close()` and by other tabs deleting the database), nor ask for strict
 * durability, nor keep both object stores in one database.
 */
import { delMany, get, getMany, promisifyRequest, setMany, type UseStore } from 'idb-keyval'
import type { Backend, ObjectEntry, RefListener } from '../core/backend.js'
import { RefListeners } from '../core/backend.js'
import { ClosedError, IndexedDbUnavailableError, InvalidArgumentError } from '../core/errors.js'
import { isObjectId } from '../core/hex.js'
import { type BackendLimits, checkCas, checkIds, checkObjects, checkPrefix, checkRefName, DEFAULT_MAX_OBJECT_SIZE } from './contract.js'

const SCHEMA_VERSION = 1
const OBJECTS = 'objects'
const REFS = 'refs'
/** Ids fetched per transaction by `objectIds()`. */
const ID_PAGE = 4096
const STRICT: IDBTransactionOptions = { durability: 'strict' }

interface RefMove {
  name: string
  id: string | undefined
}

export class IndexedDbBackend implements Backend {
  private readonly listeners = new RefListeners()
  private readonly objects: UseStore
  private readonly refs: UseStore
  private readonly channel: BroadcastChannel | undefined
  /** Why calls are refused, once they are. */
  private closedBecause: string | undefined

  /** Use `openIndexedDbBackend`. */
  constructor(
    readonly name: string,
    private readonly db: IDBDatabase,
    private readonly maxObjectSize: number,
  ) {
    this.objects = this.storeOf(OBJECTS)
    this.refs = this.storeOf(REFS)
    const lost = (why: string) => () => this.shut(`IndexedDB backend ${JSON.stringify(name)} (${why})`)
    db.onversionchange = lost('its database was deleted or upgraded elsewhere')
    db.onclose = lost('the browser closed its database')
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`irminsule-refs:${name}`) : undefined
    if (this.channel) {
      this.channel.onmessage = (event: MessageEvent<RefMove>) => this.heard(event.data)
      // Node (fake-indexeddb) would otherwise stay alive for as long as a backend is open.
      ;(this.channel as { unref?: () => void }).unref?.()
    }
  }

  /** An idb-keyval store over one of our object stores; writes ask for strict durability. */
  private storeOf(storeName: string): UseStore {
    return (mode, callback) =>
      new Promise(resolve => {
        this.open()
        const tx = this.db.transaction(storeName, mode, mode === 'readwrite' ? STRICT : undefined)
        resolve(callback(tx.objectStore(storeName)))
      })
  }

  private open(): void {
    if (this.closedBecause !== undefined) throw new ClosedError(this.closedBecause)
  }

  async getObjects(ids: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    this.open()
    checkIds(ids)
    if (ids.length === 0) return []
    return getMany<Uint8Array>(ids as string[], this.objects)
  }

  async hasObjects(ids: readonly string[]): Promise<boolean[]> {
    this.open()
    checkIds(ids)
    if (ids.length === 0) return []
    // Counting reads keys only, not the objects' bytes.
    const counts = await this.objects('readonly', store => Promise.all(ids.map(id => promisifyRequest(store.count(id)))))
    return counts.map(count => count > 0)
  }

  async putObjects(objects: readonly ObjectEntry[]): Promise<void> {
    this.open()
    checkObjects(objects, this.maxObjectSize)
    if (objects.length === 0) return
    await setMany(
      objects.map(([id, bytes]) => [id, ownBuffer(bytes)]),
      this.objects,
    )
  }

  async deleteObjects(ids: readonly string[]): Promise<void> {
    this.open()
    checkIds(ids)
    if (ids.length === 0) return
    await delMany(ids as string[], this.objects)
  }

  /** Ids in key order, a page per transaction, so that a large store is never all in memory. */
  async *objectIds(): AsyncIterable<string> {
    let range: IDBKeyRange | undefined
    for (;;) {
      const page = (await this.objects('readonly', store => promisifyRequest(store.getAllKeys(range, ID_PAGE)))) as string[]
      yield* page
      if (page.length < ID_PAGE) return
      range = IDBKeyRange.lowerBound(page[page.length - 1], true)
    }
  }

  async getRef(name: string): Promise<string | undefined> {
    this.open()
    checkRefName(name)
    return get<string>(name, this.refs)
  }

  async listRefs(prefix = ''): Promise<Array<[string, string]>> {
    this.open()
    checkPrefix(prefix)
    // IndexedDB orders string keys by UTF-16 code unit, as `<` does: the names that start with
    // `prefix` are one run, already sorted, starting at `prefix` itself.
    return this.refs(
      'readonly',
      store =>
        new Promise<Array<[string, string]>>((resolve, reject) => {
          const found: Array<[string, string]> = []
          const cursor = store.openCursor(IDBKeyRange.lowerBound(prefix))
          cursor.onsuccess = () => {
            const at = cursor.result
            if (!at || !(at.key as string).startsWith(prefix)) return resolve(found)
            found.push([at.key as string, at.value as string])
            at.continue()
          }
          cursor.onerror = () => reject(cursor.error)
        }),
    )
  }

  async casRef(name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    this.open()
    checkCas(name, expected, next)
    // Not idb-keyval's `update`: it always writes, so it can neither leave a ref alone nor delete it.
    const moved = await this.refs(
      'readwrite',
      store =>
        new Promise<boolean>((resolve, reject) => {
          const read = store.get(name)
          read.onsuccess = () => {
            if (read.result !== expected) return resolve(false)
            if (next === undefined) store.delete(name)
            else store.put(next, name)
            resolve(promisifyRequest(store.transaction).then(() => true))
          }
          read.onerror = () => reject(read.error)
        }),
    )
    if (moved) {
      this.listeners.emit(name, next)
      this.channel?.postMessage({ name, id: next } satisfies RefMove)
    }
    return moved
  }

  watchRefs(listener: RefListener): () => void {
    return this.listeners.add(listener)
  }

  /** A move announced by another backend object on the same database. */
  private heard(move: RefMove): void {
    if (this.closedBecause !== undefined) return
    if (typeof move?.name !== 'string' || (move.id !== undefined && !isObjectId(move.id))) return
    this.listeners.emit(move.name, move.id)
  }

  async close(): Promise<void> {
    this.shut(`IndexedDB backend ${JSON.stringify(this.name)}`)
  }

  private shut(why: string): void {
    if (this.closedBecause !== undefined) return
    this.closedBecause = why
    this.channel?.close()
    // Transactions already started still complete; the connection closes after them.
    this.db.close()
  }
}

/**
 * Opens (creating if needed) the IndexedDB database `name` as a backend. Rejects with
 * `IndexedDbUnavailableError` where IndexedDB cannot be used; see the module comment for the
 * fallback to the memory backend.
 */
export async function openIndexedDbBackend(name: string, options: BackendLimits = {}): Promise<IndexedDbBackend> {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('an IndexedDB database name is a non-empty string')
  const db = await openDatabase(name)
  if (!db.objectStoreNames.contains(OBJECTS) || !db.objectStoreNames.contains(REFS)) {
    db.close()
    throw new InvalidArgumentError(`IndexedDB database ${JSON.stringify(name)} exists but is not an irminsule store`)
  }
  return new IndexedDbBackend(name, db, options.maxObjectSize ?? DEFAULT_MAX_OBJECT_SIZE)
}

function openDatabase(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const unavailable = (reason: string, cause?: unknown) => reject(new IndexedDbUnavailableError(name, reason, cause))
    if (typeof indexedDB === 'undefined' || indexedDB === null) return unavailable('this environment has no indexedDB global')
    let request: IDBOpenDBRequest
    try {
      request = indexedDB.open(name, SCHEMA_VERSION)
    } catch (error) {
      // Opaque origins (sandboxed iframes, data: URLs) throw SecurityError right away.
      return unavailable(describe(error), error)
    }
    request.onupgradeneeded = () => {
      request.result.createObjectStore(OBJECTS)
      request.result.createObjectStore(REFS)
    }
    request.onsuccess = () => resolve(request.result)
    // Private browsing and disabled storage fail here (InvalidStateError, UnknownError, …).
    request.onerror = () => unavailable(describe(request.error), request.error)
  })
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

/**
 * The bytes in a buffer of their own. IndexedDB stores a typed array by structured clone, which
 * copies the view's whole underlying buffer: a view into a larger arena would store all of it.
 */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes)
}
