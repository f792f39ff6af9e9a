/**
 * The LevelDB backend, through the `level` package (classic-level). Objects (`o`), a size index
 * (`s`: id → size, or a bulk-loaded object's value log pointer, see below) and refs (`r`) live in
 * sublevels of one database.
 *
 * One process owns a LevelDB directory (LevelDB's own LOCK file enforces it; a second process
 * gets `StoreLockedError`). That makes the process the single writer of its refs: they are kept
 * in memory, `casRef` is serialised per ref by a promise queue, and `peekRef` can answer at once.
 *
 * Durability, on a power cut as on a crash: LevelDB keeps, after a power cut, what it synced, and a
 * write with `sync: true` fdatasyncs only the log file it lands in. When the memtable fills,
 * LevelDB switches to a new log file and closes the old one unsynced (`MakeRoomForWrite` in
 * db_impl.cc; google/leveldb#193), and any write, the ref update included, may be the one that
 * switches. So a sync ref write does not make earlier unsynced object batches durable: they may
 * sit in the old log. Hence every object batch is a sync write too, and `putObjects` resolves
 * once its batch is on disk, as the contract says, whatever log it went to; the ref update that
 * follows is a sync write of its own, or shares the last objects' batch (`putObjectsAndCasRef`:
 * a commit then costs one sync, not two). A ref may also move unsynced
 * (`putObjectsAndCasRefUnsynced`, for a caller that keeps the change durable elsewhere, the NFS
 * export's journal): then only in memory until `syncObjects`, see level-ref-moves.ts. An old log is deleted only after its memtable has been
 * written to a synced table file. The SIGKILL tests (test/backends/crash.test.ts) cannot see
 * the difference: a killed process's unsynced writes survive in the page cache; the durability
 * test records the `sync` option of every write instead. A bulk load (a clone) writes unsynced
 * batches instead (`putObjectsDeferred`) and then makes them all durable at once (`syncObjects`)
 * before any ref names them.
 *
 * Large objects (64 KiB and up) and the objects of a bulk load live in a value log beside the
 * database (`values/`, see value-log.ts and level-values.ts), LevelDB holding a pointer: LevelDB
 * would write each of their bytes several times over (its log, a table, each compaction). The
 * log is synced before any pointer to it is written, so the promises above hold for them too.
 * A bulk-loaded object's one LevelDB entry is its pointer, in the size index (the pointer holds
 * the size; level-lookup.ts): one put an object, not two, saved a clone ~0.5 s of ~3.4 s CPU.
 * Stores written before (pointer in `o`, size in `s`) read as they did.
 *
 * Node only (it keys its in-process guard on the directory's inode); browsers use IndexedDB.
 */
import { join } from 'node:path'
import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import type { Backend, ObjectEntry, ObjectSpool, RefListener } from '../core/backend.js'
import { RefListeners } from '../core/backend.js'
import { ClosedError, StoreLockedError } from '../core/errors.js'
import { type BackendLimits, checkCas, checkIds, checkObjects, checkPrefix, checkRefName, DEFAULT_MAX_OBJECT_SIZE } from './contract.js'
import { describeOpenError, directoryIdentity, indexedSize, indexSizes, UTF8, writeAheadLogs } from './level-open.js'
import { StoredValues } from './level-lookup.js'
import { LevelValues } from './level-values.js'
import { type RefBatch, RefMoves } from './level-ref-moves.js'
import { WriteBehind } from './level-write-behind.js'
import { RefTable } from './ref-table.js'
import { inlineValue, storedLength, ValueLog } from './value-log.js'

type Db = Level<string, Uint8Array>

/** classic-level's write option (abstract-level's types do not know it); sublevels pass it down. */
const SYNC = { sync: true } as object
/** The key a memtable flush deletes, synced (see `flushMemtable`): past every sublevel's keys, never written. */
const SYNC_MARK = '~sync'

/** Bytes of objects per LevelDB batch of an unsynced write (see `writeObjects`). */
const SMALL_BATCH = 96 * 1024

/** Batches up to this size are read synchronously (see `getObjects`). */
const SYNC_READ_MAX = 4

/** The directories this process has open, by `directoryIdentity`. */
const openHere = new Set<string>()
type Sub<V> = AbstractSublevel<Db, string | Uint8Array, string, V>

export interface LevelBackendOptions extends BackendLimits {
  /** LevelDB's write buffer (memtable) size; larger means fewer, bigger compactions. Default 8 MiB. */
  writeBufferSize?: number
  /** Table files LevelDB keeps open (default 1000, as LevelDB). */
  maxOpenFiles?: number
  /** Objects of at least this many bytes go to the value log on an ordinary write (default 64 KiB). */
  valueLogMin?: number
  /** The same for a bulk load, `putObjectsDeferred` (default 256 bytes: commits stay inline, trees and blobs go). */
  bulkValueLogMin?: number
  /** A value log file past this size is followed by a new one (default 256 MiB). */
  valueLogFileBytes?: number
  /** A value log file is compacted once this many of its bytes, and at least half, are dead (default 8 MiB). */
  compactDeadBytes?: number
  /** A bulk load's pointers are written to LevelDB in the background after each this many bytes of value log appends (default 16 MiB). */
  bulkIndexBytes?: number
}

export class LevelBackend implements Backend {
  private readonly listeners = new RefListeners()
  private readonly moves: RefMoves
  /** Objects of unsynced moves not yet in LevelDB (readable from it meanwhile). */
  private readonly writeBehind = new WriteBehind(objects => this.values.write(objects, 0, objects.length, values => this.objectBatch(objects, values).write()))
  private closed = false
  /** classic-level can read synchronously; browser-level cannot. */
  private readonly syncReads: boolean

  private constructor(
    private readonly db: Db,
    private readonly objects: Sub<Uint8Array>,
    /** id → size (or a bulk-loaded object's pointer): lets GC list every object and its size without reading the objects. */
    private readonly sizes: Sub<Uint8Array>,
    private readonly refsLevel: Sub<string>,
    private readonly refs: RefTable,
    private readonly values: LevelValues,
    private readonly maxObjectSize: number,
    readonly location: string,
    /** The directory's identity in `openHere`. */
    private readonly key: string,
  ) {
    this.moves = new RefMoves({
      refs,
      listeners: this.listeners,
      objectsBatch: (objects, write) => this.values.write(objects, 0, objects.length, values => write(this.objectBatch(objects, values) as unknown as RefBatch)),
      writeBehind: objects => this.writeBehind.add(objects),
      landed: () => this.writeBehind.landed(),
      batch: () => db.batch() as unknown as RefBatch,
      refKey: name => refsLevel.prefixKey(name, 'utf8'),
      flushMemtable: () => this.flushMemtable(),
    })
    this.syncReads = (db.supports as { getSync?: boolean }).getSync === true
    if (this.syncReads) {
      this.getObjectsSync = ids => {
        this.open()
        checkIds(ids)
        return ids.map(id => this.writeBehind.get(id) ?? this.values.bytes(id, this.values.current(id)))
      }
    }
  }

  static async open(location: string, options: LevelBackendOptions = {}): Promise<LevelBackend> {
    // Refuse a second open in this process before LevelDB sees it: LevelDB's own refusal closes
    // its file descriptor on LOCK, and closing any descriptor drops the process's fcntl lock,
    // which would let another process open the directory while we still write to it. LevelDB's
    // in-process lock table compares path strings, so another spelling of the same directory
    // (relative, through a symlink) would open it twice, with two in-memory ref tables and no
    // compare-and-swap between them: the guard is keyed on the directory itself.
    const key = await directoryIdentity(location)
    if (openHere.has(key)) throw new StoreLockedError(location)
    openHere.add(key)
    try {
      return await LevelBackend.openUnlocked(location, key, options)
    } catch (error) {
      openHere.delete(key)
      throw error
    }
  }

  private static async openUnlocked(location: string, key: string, options: LevelBackendOptions): Promise<LevelBackend> {
    // Loaded on first open, not at import: a program (the irmin command on a git store) that
    // never opens LevelDB does not pay for loading it.
    const { Level } = await import('level')
    const db = new Level<string, Uint8Array>(location, {
      keyEncoding: 'utf8',
      valueEncoding: 'view',
      writeBufferSize: options.writeBufferSize ?? 8 * 1024 * 1024,
      maxOpenFiles: options.maxOpenFiles ?? 1000,
    })
    try {
      await db.open()
    } catch (error) {
      throw describeOpenError(location, error)
    }
    const objects = db.sublevel<string, Uint8Array>('o', { valueEncoding: 'view' })
    const sizes = db.sublevel<string, Uint8Array>('s', { valueEncoding: 'view' })
    const refsLevel = db.sublevel<string, string>('r', { valueEncoding: 'utf8' })
    await indexSizes(objects, sizes)
    const refs = new RefTable()
    for await (const [name, id] of refsLevel.iterator()) refs.set(name, id)
    const log = ValueLog.open(join(location, 'values'), options.valueLogFileBytes ?? 256 * 1024 * 1024)
    const policy = {
      valueLogMin: options.valueLogMin ?? 64 * 1024,
      bulkValueLogMin: options.bulkValueLogMin ?? 256,
      compactDeadBytes: options.compactDeadBytes ?? 8 * 1024 * 1024,
      bulkIndexBytes: options.bulkIndexBytes ?? 16 * 1024 * 1024,
    }
    const values = await LevelValues.open(db, new StoredValues(objects, sizes), db.sublevel<string, string>('v', { valueEncoding: 'utf8' }), log, policy, entries => storePointers(db, sizes, entries))
    return new LevelBackend(db, objects, sizes, refsLevel, refs, values, options.maxObjectSize ?? DEFAULT_MAX_OBJECT_SIZE, location, key)
  }

  private open(): void {
    if (this.closed) throw new ClosedError(`LevelDB backend ${this.location}`)
  }

  async getObjects(ids: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    this.open()
    checkIds(ids)
    if (ids.length === 0) return []
    // A few ids (the point-read path) are read on this thread: a get served from LevelDB's or the
    // OS's cache takes microseconds, while a hop through the thread pool and back costs ~40 µs.
    // Larger batches go to the thread pool so a long read never stalls the event loop.
    if (ids.length <= SYNC_READ_MAX && this.syncReads) return ids.map(id => this.writeBehind.get(id) ?? this.values.bytes(id, this.values.current(id)))
    // Pending pointers and objects first: one indexed or written while LevelDB reads would be in neither place after.
    const behind = ids.map(id => this.writeBehind.get(id))
    const found = this.values.bytesMany(ids, await this.values.storedMany(ids))
    return behind.some(bytes => bytes !== undefined) ? found.map((bytes, i) => behind[i] ?? bytes) : found
  }

  /** Defined only where classic-level can read synchronously (not in browsers). */
  readonly getObjectsSync?: (ids: readonly string[]) => Array<Uint8Array | undefined>

  async hasObjects(ids: readonly string[]): Promise<boolean[]> {
    this.open()
    checkIds(ids)
    if (ids.length === 0) return []
    const pending = ids.map(id => this.values.hasPending(id) || this.writeBehind.get(id) !== undefined) // before LevelDB, as in getObjects
    // Every object in LevelDB has a size index entry (a bulk-loaded one, only that).
    const present = await this.sizes.hasMany(ids as string[])
    return present.map((has, i) => has || pending[i]!)
  }

  putObjects(objects: readonly ObjectEntry[]): Promise<void> {
    try {
      this.open()
      checkObjects(objects, this.maxObjectSize)
      return this.writeObjects(objects, SYNC) // durable on its own: see "Durability" above
    } catch (error) {
      return Promise.reject(error)
    }
  }

  async openSpool(): Promise<ObjectSpool> {
    this.open()
    return this.values.openSpool(this.maxObjectSize, (id, pointer) => {
      const batch = this.db.batch()
      batch.put(this.objectKey(id), pointer)
      batch.put(this.sizeKey(id), String(storedLength(pointer)) as unknown as Uint8Array, UTF8)
      return batch.write(SYNC)
    })
  }

  /**
   * Unsynced: durable at the next `syncObjects`. Most go to the value log, their pointers kept in
   * memory until then; the small rest into LevelDB unsynced.
   */
  putObjectsDeferred(objects: readonly ObjectEntry[]): Promise<void> {
    try {
      this.open()
      checkObjects(objects, this.maxObjectSize)
      return this.writeObjects(this.values.writeBulk(objects), {})
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Makes every earlier write durable. A sync write alone may not (see "Durability" above: earlier
   * logs may have been closed unsynced), but LevelDB deletes such a log only after its memtable
   * is in a synced table file: a sync write after which one log is left leaves nothing only in an
   * unsynced log (`flushMemtable`). Otherwise LevelDB's CompactRange flushes the memtable into a
   * synced table file, records it in the synced manifest, and waits until every older memtable
   * is in a table too (`TEST_CompactMemTable`). Its range is past every key (keys start with a
   * sublevel's `!`), so no table is compacted: the cost is writing out the memtable.
   */
  async syncObjects(): Promise<void> {
    this.open()
    await this.moves.sync(true)
  }

  private async flushMemtable(): Promise<void> {
    await this.values.log.sync()
    await this.values.indexPending()
    // A synced write makes its log durable up to it. The older logs, closed unsynced, are deleted
    // only once their memtables are in synced tables: with one log left after it, nothing lives
    // only in an unsynced log, and the memtable need not be written out (a clone's: ~0.12 s).
    await this.db.del(SYNC_MARK, SYNC)
    if ((await writeAheadLogs(this.location)) <= 1) return
    await (this.db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange('~~', '~~~')
  }

  /** Objects the caller checked. */
  private async writeObjects(objects: readonly ObjectEntry[], options: object): Promise<void> {
    if (objects.length === 0) return
    if (options === SYNC) return this.values.write(objects, 0, objects.length, values => this.objectBatch(objects, values).write(SYNC))
    // Unsynced, a large batch goes as many small ones: a batch's buffer past glibc's mmap
    // threshold (128 KiB) is fresh memory, page-faulted in as it is filled, which made each put
    // of a 4 MiB batch cost ~5× one of a small batch. LevelDB groups concurrent writes anyway.
    const writes: Promise<void>[] = []
    for (let start = 0; start < objects.length; ) {
      let end = start
      for (let bytes = 0; end < objects.length && bytes < SMALL_BATCH; end++) bytes += objects[end]![1].length
      writes.push(this.objectBatch(objects, objects.slice(start, end).map(([, bytes]) => inlineValue(bytes)), start, end).write(options))
      start = end
    }
    await Promise.all(writes)
  }

  /**
   * Objects `start` to `end`, stored as `values` (inline objects or pointers), with their size
   * entries, as one chained batch: keys prefixed here (the `sublevel` option costs microseconds
   * per operation, an array batch a little too); the size as a string (a small Uint8Array would
   * cost V8 an ArrayBuffer of its own when the binding reads it).
   */
  private objectBatch(objects: readonly ObjectEntry[], values: readonly Uint8Array[], start = 0, end = objects.length) {
    const batch = this.db.batch()
    for (let i = start; i < end; i++) {
      const [id, bytes] = objects[i]!
      batch.put(this.objectKey(id), values[i - start]!)
      batch.put(this.sizeKey(id), String(bytes.length) as unknown as Uint8Array, UTF8)
    }
    return batch
  }

  private objectKey(id: string): string {
    return this.objects.prefixKey(id, 'utf8')
  }

  private sizeKey(id: string): string {
    return this.sizes.prefixKey(id, 'utf8')
  }

  async deleteObjects(ids: readonly string[]): Promise<void> {
    this.open()
    checkIds(ids)
    if (ids.length === 0) return
    await this.writeBehind.landed() // a deletion lands after the writes before it
    const batch = this.db.batch()
    for (const id of ids) batch.del(this.objectKey(id)).del(this.sizeKey(id))
    await this.values.delete(ids, batch)
  }

  /** Listed from the size index: a few bytes an object, where the objects' own keys sit among their data. */
  async *objectIds(): AsyncIterable<string> {
    for await (const entries of this.objectSizes()) for (const [id] of entries) yield id
  }

  /** The size index, after a bulk load's objects not yet in it (each id once). */
  async *objectSizes(): AsyncIterable<Array<[string, number]>> {
    this.open()
    await this.writeBehind.landed()
    const pending = this.values.pendingSizes()
    if (pending.length > 0) yield pending
    const listed = new Set(pending.map(([id]) => id))
    const iterator = this.sizes.iterator()
    try {
      for (;;) {
        const entries = await iterator.nextv(1000)
        if (entries.length === 0) return
        const sizes = entries.map(([key, entry]): [string, number] => [key, indexedSize(entry)])
        yield listed.size === 0 ? sizes : sizes.filter(([id]) => !listed.has(id))
      }
    } finally {
      await iterator.close()
    }
  }

  async getRef(name: string): Promise<string | undefined> {
    return this.peekRef(name)
  }

  /** This process owns the database, so its in-memory refs are the truth. */
  peekRef(name: string): string | undefined {
    this.open()
    checkRefName(name)
    return this.refs.get(name)
  }

  async listRefs(prefix = ''): Promise<Array<[string, string]>> {
    this.open()
    checkPrefix(prefix)
    return this.refs.list(prefix)
  }

  casRef(name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    return this.moveRef(name, expected, next, [], true)
  }

  /** One synced batch: the objects, and the ref when it is at `expected` (half the syncs of the two calls). */
  putObjectsAndCasRef(objects: readonly ObjectEntry[], name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    return this.moveRef(name, expected, next, objects, true)
  }

  /** The same, unsynced: durable at the next `syncObjects` (see level-ref-moves.ts). */
  putObjectsAndCasRefUnsynced(objects: readonly ObjectEntry[], name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    return this.moveRef(name, expected, next, objects, false)
  }

  private moveRef(name: string, expected: string | undefined, next: string | undefined, objects: readonly ObjectEntry[], synced: boolean): Promise<boolean> {
    try {
      this.open()
      checkObjects(objects, this.maxObjectSize)
      checkCas(name, expected, next)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.moves.move(name, expected, next, objects, synced)
  }

  watchRefs(listener: RefListener): () => void {
    return this.listeners.add(listener)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.moves.settled()
    if (this.moves.pending) await this.moves.sync()
    await this.writeBehind.landed()
    await this.values.settled()
    await this.db.close()
    this.values.log.close()
    openHere.delete(this.key)
  }
}

/** A bulk load's pointers, as their size index entries, in unsynced batches (made durable by `syncObjects`). */
async function storePointers(db: Db, sizes: Sub<Uint8Array>, entries: ReadonlyArray<readonly [string, Uint8Array]>): Promise<void> {
  for (let start = 0; start < entries.length; start += 4096) {
    const batch = db.batch()
    for (const [id, pointer] of entries.slice(start, start + 4096)) batch.put(sizes.prefixKey(id, 'utf8'), pointer)
    await batch.write()
  }
}

export function openLevelBackend(location: string, options: LevelBackendOptions = {}): Promise<LevelBackend> {
  return LevelBackend.open(location, options)
}
