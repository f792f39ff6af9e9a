/**
 * Page entry for bench/suites/indexeddb.ts: the standard workload measured inside Chromium, on
 * the engine with the IndexedDB and memory backends, beside the bare minimum of IndexedDB (the
 * engine's own objects, in its own batches, put with idb-keyval's `setMany`) and the pure-JS
 * SHA-1 the browser build hashes them with. Each measurement warms up on a smaller run first.
 */
import { createStore, setMany, type UseStore } from 'idb-keyval'
import { writeWorkload } from '../workload.js'
import { Contents, MemoryBackend, type ObjectEntry, openIndexedDbBackend, openMemoryBackend, Repo, sha1, toHex } from '../../index.browser.js'

export interface EngineRun {
  seconds: number
  commit: string
  tree: string
}

export interface BareRun {
  seconds: number
  objects: number
  batches: number
  bytes: number
}

export interface BenchPage {
  measureEngine(backend: 'indexeddb' | 'memory', total: number): Promise<EngineRun>
  measureBare(durability: 'default' | 'strict', total: number): Promise<BareRun>
  measureSha1(total: number): Promise<{ seconds: number }>
}

const WARM_UP_KEYS = 2000
let databases = 0

/** `store.batch` of 1,000 keys per commit, as bench/suites/core.ts does in Node. */
async function engine(backendKind: 'indexeddb' | 'memory', total: number): Promise<EngineRun> {
  const backend = backendKind === 'indexeddb' ? await openIndexedDbBackend(`bench-${++databases}`) : openMemoryBackend()
  const main = (await Repo.open({ backend, contents: Contents.bytes })).branch('main')
  const start = performance.now()
  const head = await writeWorkload(main, total)
  const seconds = (performance.now() - start) / 1000
  await backend.close()
  return { seconds, commit: head.id, tree: head.tree }
}

/** A memory backend that keeps a copy of every batch it is given. */
class RecordingBackend extends MemoryBackend {
  readonly batches: ObjectEntry[][] = []

  override async putObjects(objects: readonly ObjectEntry[]): Promise<void> {
    this.batches.push(objects.map(([id, bytes]) => [id, bytes.slice()]))
    return super.putObjects(objects)
  }
}

/** The batches of objects the engine writes for `total` keys (not timed). */
async function engineBatches(total: number): Promise<ObjectEntry[][]> {
  const backend = new RecordingBackend()
  await writeWorkload((await Repo.open({ backend, contents: Contents.bytes })).branch('main'), total)
  return backend.batches
}

/** An idb-keyval store whose transactions ask for strict durability, as the backend's writes do. */
function openStrictStore(name: string): Promise<UseStore> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1)
    request.onupgradeneeded = () => request.result.createObjectStore('objects')
    request.onerror = () => reject(request.error)
    request.onsuccess = () => {
      const db = request.result
      resolve((mode, callback) => Promise.resolve(callback(db.transaction('objects', mode, { durability: 'strict' }).objectStore('objects'))))
    }
  })
}

/** The engine's batches put with `setMany` into a fresh database, one transaction per batch. */
async function bare(durability: 'default' | 'strict', batches: ObjectEntry[][]): Promise<BareRun> {
  const name = `bare-${++databases}`
  const store = durability === 'strict' ? await openStrictStore(name) : createStore(name, 'objects')
  await setMany([], store) // opens the database before the clock starts, as the engine's run does
  const start = performance.now()
  for (const batch of batches) await setMany(batch as Array<[string, Uint8Array]>, store)
  const seconds = (performance.now() - start) / 1000
  const objects = batches.reduce((n, batch) => n + batch.length, 0)
  const bytes = batches.reduce((n, batch) => batch.reduce((m, [, b]) => m + b.length, n), 0)
  return { seconds, objects, batches: batches.length, bytes }
}

const page: BenchPage = {
  async measureEngine(backendKind, total) {
    await engine(backendKind, WARM_UP_KEYS)
    return engine(backendKind, total)
  },
  async measureBare(durability, total) {
    await bare(durability, await engineBatches(WARM_UP_KEYS))
    return bare(durability, await engineBatches(total))
  },
  /** Pure-JS SHA-1 (and hex) of every object the engine writes: the hashing in the browser build. */
  async measureSha1(total) {
    const objects = (await engineBatches(total)).flat()
    for (const [, bytes] of objects.slice(0, 2000)) toHex(sha1(bytes))
    const start = performance.now()
    for (const [, bytes] of objects) toHex(sha1(bytes))
    return { seconds: (performance.now() - start) / 1000 }
  },
}
Object.assign(globalThis, { benchPage: page })
