/**
 * Where the LevelDB backend keeps each object's bytes: inline in LevelDB (small objects of
 * ordinary writes, one synced batch per commit) or in the value log (large objects, and the
 * objects of a bulk load) with a pointer in LevelDB. This class owns the pointers' life:
 *
 * - An ordinary write appends its large objects, fdatasyncs the log, and only then writes the
 *   pointers: LevelDB never holds a durable pointer to bytes that are not.
 * - A bulk load (`putObjectsDeferred`) appends unsynced and keeps the pointers in memory
 *   (`pending`, read like the index) until they are indexed: every `bulkIndexBytes` of appends
 *   in the background (the log synced, then those pointers written, unsynced),
 *   and the rest at `indexPending`. So the pointers of a clone reach LevelDB while it is still
 *   receiving, not all at its end, and a power cut can leave unreferenced records in the log,
 *   never a pointer to lost bytes. A bulk-loaded object's pointer is its size index entry
 *   (sublevel `s`, where other objects have their size), its only entry in LevelDB: one put per
 *   object instead of two (the size is in the pointer); see level-lookup.ts for reading it.
 * - A deletion counts the bytes its records held as dead, per file (persisted in sublevel `v`).
 *   A file at least half dead, by at least `compactDeadBytes`, is compacted in the background:
 *   its live records are copied to the current file, the copies synced, the pointers moved in
 *   synced batches, and the file deleted. Compactions run one at a time; pointer moves,
 *   deletions and `indexPending` take one lock so that none undoes another.
 */
import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import { closeSync, unlinkSync } from 'node:fs'
import type { ObjectEntry, ObjectSpool } from '../core/backend.js'
import { CorruptObjectError, ObjectTooLargeError } from '../core/errors.js'
import type { StoredValues } from './level-lookup.js'
import { type Generation, PendingPointers } from './level-pending.js'
import { decodePointer, inlineValue, type Pointer, RECORD_HEADER, samePlace, SPOOL_BODY, unescapeInline, type ValueLog } from './value-log.js'

type Db = Level<string, Uint8Array>
type Sub<V> = AbstractSublevel<Db, string | Uint8Array, string, V>

const SYNC = { sync: true } as object
/** Bytes of live records copied per pointer batch during a compaction. */
const MOVE_BYTES = 4 << 20

export interface ValuePolicy {
  /** Objects of at least this many bytes go to the log on an ordinary (synced) write. */
  readonly valueLogMin: number
  /** The same for a bulk load. */
  readonly bulkValueLogMin: number
  /** A file is compacted once this many of its bytes, and at least half, are dead. */
  readonly compactDeadBytes: number
  /** A bulk load's pointers are indexed in the background after each this many bytes of appends. */
  readonly bulkIndexBytes: number
}

/** Writes bulk-loaded pointers into LevelDB, as their size index entries, unsynced. */
export type StorePointers = (entries: ReadonlyArray<readonly [string, Uint8Array]>) => Promise<void>

export class LevelValues {
  /** Pointers of bulk-loaded objects not yet in LevelDB: read before the index. */
  private readonly pending = new PendingPointers()
  /** Dead bytes per log file. */
  private readonly dead = new Map<number, number>()
  /** Ordinary writes that appended to a file and have not written their pointers yet. */
  private readonly inflight = new Map<number, Set<Promise<unknown>>>()
  private lock: Promise<unknown> = Promise.resolve()
  private compaction: Promise<void> = Promise.resolve()
  private readonly queued = new Set<number>()
  /** Bytes appended by bulk loads since the last background indexing was scheduled. */
  private unindexedBytes = 0
  /** The background indexings, one after another; the first failure is kept for `indexPending`. */
  private indexing: Promise<void> = Promise.resolve()
  private indexFailure: { error: unknown } | undefined

  private constructor(
    private readonly db: Db,
    private readonly stored: StoredValues,
    private readonly deadLevel: Sub<string>,
    readonly log: ValueLog,
    private readonly policy: ValuePolicy,
    private readonly store: StorePointers,
  ) {}

  static async open(db: Db, stored: StoredValues, deadLevel: Sub<string>, log: ValueLog, policy: ValuePolicy, store: StorePointers): Promise<LevelValues> {
    const values = new LevelValues(db, stored, deadLevel, log, policy, store)
    for await (const [file, bytes] of deadLevel.iterator()) {
      if (log.has(Number(file))) values.dead.set(Number(file), Number(bytes))
    }
    values.compactWhereDue() // what a previous process left due
    return values
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The stored value of `id` now (a pointer or the inline object), synchronously. */
  current(id: string): Uint8Array | undefined {
    return this.pending.get(id) ?? this.stored.getSync(id)
  }

  /** The stored values of `ids` (undefined where absent), as `current` but read in LevelDB's thread pool. */
  async storedMany(ids: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    const values = ids.map(id => this.pendingValue(id)) // first: indexing moves a pointer to LevelDB, then forgets it
    await this.stored.getMany(ids, values)
    return values
  }

  hasPending(id: string): boolean {
    return this.pending.get(id) !== undefined
  }

  /** A bulk load's pointer for `id` not yet in LevelDB. Read before LevelDB is: indexing moves it there and then forgets it. */
  pendingValue(id: string): Uint8Array | undefined {
    return this.pending.get(id)
  }

  /** Bulk-loaded objects whose pointers are not in LevelDB yet, with their sizes. */
  pendingSizes(): Array<[string, number]> {
    return this.pending.sizes()
  }

  /** The object a stored value holds: inline, or read from the log. */
  bytes(id: string, value: Uint8Array | undefined): Uint8Array | undefined {
    if (value === undefined) return undefined
    const pointer = decodePointer(value)
    if (pointer === undefined) return unescapeInline(value)
    const bytes = this.log.read(id, pointer)
    if (bytes !== undefined) return bytes
    // The pointer was read (or kept) before a compaction moved the object and deleted its file.
    this.stored.forget([id])
    const again = this.current(id)
    const moved = again === undefined ? undefined : decodePointer(again)
    if (again === undefined || moved === undefined) return again === undefined ? undefined : unescapeInline(again)
    const found = this.log.read(id, moved)
    if (found === undefined) throw new CorruptObjectError(id, `value log file ${moved.file} is missing`)
    return found
  }

  /** `bytes` for a batch: the log's objects read together (see `ValueLog.readMany`). */
  bytesMany(ids: readonly string[], values: ReadonlyArray<Uint8Array | undefined>): Array<Uint8Array | undefined> {
    const pointers = values.map(value => (value === undefined ? undefined : decodePointer(value)))
    const logged = this.log.readMany(ids, pointers)
    return values.map((value, i) => (pointers[i] === undefined ? (value === undefined ? undefined : unescapeInline(value)) : (logged[i] ?? this.bytes(ids[i]!, value))))
  }

  // ---- writing -------------------------------------------------------------------------------

  /**
   * An ordinary write of objects `start` to `end`: appends those at or above `valueLogMin`, syncs
   * the log, then calls `write` with the values to store (pointers or inline objects).
   */
  write<T>(objects: readonly ObjectEntry[], start: number, end: number, write: (values: Uint8Array[]) => Promise<T>): Promise<T> {
    const values: Uint8Array[] = []
    const files = new Set<number>()
    for (let i = start; i < end; i++) {
      const bytes = objects[i]![1]
      if (bytes.length >= this.policy.valueLogMin) {
        values.push(this.log.append(objects, i, i + 1)[0]!)
        files.add(this.log.currentFile)
      } else {
        values.push(inlineValue(bytes))
      }
    }
    if (files.size === 0) return write(values)
    const done = this.log.sync().then(() => write(values))
    for (const file of files) {
      const set = this.inflight.get(file) ?? new Set()
      this.inflight.set(file, set.add(done))
      const forget = () => {
        set.delete(done)
        if (set.size === 0 && this.inflight.get(file) === set) this.inflight.delete(file)
      }
      done.then(forget, forget)
    }
    return done
  }

  /**
   * A spool for one large blob (`Backend.openSpool`): adopted as a log file of its own, then its
   * pointer handed to `index` (which writes it, with its size entry, synced), like an ordinary
   * write's. Checks the object's size against `maxObjectSize` as `putObjects` does.
   */
  openSpool(maxObjectSize: number, index: (id: string, pointer: Uint8Array) => Promise<void>): ObjectSpool {
    const { path, fd } = this.log.openSpool()
    let open = true
    return {
      path,
      fd,
      bodyOffset: SPOOL_BODY,
      adopt: async (id, header, bodyLength) => {
        if (header.length + bodyLength > maxObjectSize) throw new ObjectTooLargeError(header.length + bodyLength, maxObjectSize)
        if (this.current(id) !== undefined) return
        await index(id, await this.log.adopt(path, fd, id, header, bodyLength))
      },
      discard: () => {
        if (!open) return
        open = false
        closeSync(fd)
        unlinkSync(path)
      },
    }
  }

  /**
   * A bulk load: appends the objects at or above `bulkValueLogMin` (unsynced); returns the rest, to
   * store inline. Past `bulkIndexBytes` of appends, their pointers are indexed in the background.
   */
  writeBulk(objects: readonly ObjectEntry[]): ObjectEntry[] {
    const inline: ObjectEntry[] = []
    const logged: ObjectEntry[] = []
    for (const entry of objects) (entry[1].length >= this.policy.bulkValueLogMin ? logged : inline).push(entry)
    const pointers = this.log.append(logged)
    for (let i = 0; i < logged.length; i++) {
      this.pending.add(logged[i]![0], pointers[i]!)
      this.unindexedBytes += RECORD_HEADER + logged[i]![1].length
    }
    if (this.unindexedBytes >= this.policy.bulkIndexBytes) {
      const generation = this.pending.seal()
      this.unindexedBytes = 0
      this.indexing = this.indexing.then(() => this.index([generation])).catch(error => void (this.indexFailure ??= { error }))
    }
    return inline
  }

  /**
   * Makes every bulk-loaded pointer durable-to-be: waits for the background indexings, then
   * indexes what is still pending. Throws a background indexing's failure (a failed log sync
   * must fail the load: the kernel may have dropped the pages it could not write).
   */
  async indexPending(): Promise<void> {
    this.unindexedBytes = 0
    await this.indexing
    const failure = this.indexFailure
    this.indexFailure = undefined
    if (failure !== undefined) throw failure.error
    await this.index(undefined)
  }

  /**
   * Under the lock (so no deletion or compaction move runs between): the pointers of sealed
   * `generations` (every generation when undefined, oldest first) as they are now, the log
   * synced (every record they name was appended before), then written by `store` (in arrival
   * order: sorting them first cost a clone ~0.1 s of CPU and LevelDB inserts a batch key by key
   * either way; a later pointer of the same id is written after), and the generations dropped.
   * Appends meanwhile go to a newer generation.
   */
  private async index(generations: readonly Generation[] | undefined): Promise<void> {
    await this.locked(async () => {
      // A generation a full indexing (`indexPending`) took already is gone: its map is stale.
      const taken = (generations ?? this.pending.sealAll()).filter(generation => this.pending.holds(generation))
      const entries: Array<[string, Uint8Array]> = []
      for (const generation of taken) for (const entry of generation) entries.push(entry)
      if (entries.length > 0) {
        await this.log.sync()
        await this.store(entries)
      }
      for (const generation of taken) this.pending.drop(generation)
    })
  }

  // ---- deleting and compacting ----------------------------------------------------------------

  /** Deletes `ids` with `batch` (which holds their other deletions), counting their log bytes as dead. */
  async delete(ids: readonly string[], batch: ReturnType<Db['batch']>): Promise<void> {
    await this.locked(async () => {
      const touched = new Set<number>()
      // With no log file and nothing pending, no id has a pointer: skip reading each one.
      const logged = !this.pending.empty || this.log.fileNumbers().length > 0
      for (const id of logged ? ids : []) {
        const counted: Pointer[] = []
        for (const [, pointer] of this.pointersOf(id)) {
          if (counted.some(other => samePlace(other, pointer))) continue
          counted.push(pointer)
          this.dead.set(pointer.file, (this.dead.get(pointer.file) ?? 0) + RECORD_HEADER + pointer.length)
          touched.add(pointer.file)
        }
        this.pending.delete(id)
      }
      for (const file of touched) batch.put(this.deadLevel.prefixKey(String(file), 'utf8'), String(this.dead.get(file)) as unknown as Uint8Array, { valueEncoding: 'utf8' })
      await batch.write()
      this.stored.forget(ids)
    })
    this.compactWhereDue()
  }

  /** Resolves once no compaction or background indexing is queued or running. */
  async settled(): Promise<void> {
    await Promise.all([this.compaction, this.indexing])
  }

  private compactWhereDue(): void {
    for (const file of this.log.fileNumbers()) {
      const dead = this.dead.get(file) ?? 0
      if (this.queued.has(file) || dead < this.policy.compactDeadBytes || dead * 2 < this.log.fileSize(file)) continue
      this.queued.add(file)
      this.compaction = this.compaction
        .then(() => this.compact(file))
        .catch(error => process.emitWarning(`value log compaction of file ${file} stopped (nothing lost; it is retried later): ${(error as Error).message}`))
        .finally(() => this.queued.delete(file))
    }
  }

  private async compact(file: number): Promise<void> {
    if (!this.log.has(file)) return
    if (file === this.log.currentFile) this.log.rotate()
    await Promise.allSettled(this.inflight.get(file) ?? []) // writes whose pointers into it are not written yet
    let moves: Array<{ id: string; from: Pointer; bytes: Uint8Array }> = []
    let bytes = 0
    for (const { id, offset, length } of this.log.records(file)) {
      const from = { file, offset, length }
      if (!this.pointsAt(id, from)) continue
      moves.push({ id, from, bytes: this.log.read(id, from)! })
      bytes += length
      if (bytes >= MOVE_BYTES) {
        await this.move(moves)
        moves = []
        bytes = 0
      }
    }
    await this.move(moves)
    await this.locked(async () => {
      this.log.remove(file)
      this.dead.delete(file)
      await this.deadLevel.del(String(file))
    })
  }

  /** Copies records to the current file, syncs them, and moves the pointers still at their old place. */
  private async move(moves: Array<{ id: string; from: Pointer; bytes: Uint8Array }>): Promise<void> {
    if (moves.length === 0) return
    const pointers = this.log.append(moves.map(move => [move.id, move.bytes] as const))
    await this.log.sync()
    await this.locked(async () => {
      const batch = this.db.batch()
      moves.forEach(({ id, from }, i) => {
        // Each place still at the old record moves; none: deleted, or written again elsewhere, meanwhile.
        for (const [place, pointer] of this.pointersOf(id)) {
          if (!samePlace(pointer, from)) continue
          if (place === undefined) this.pending.move(id, from, pointers[i]!)
          else batch.put(place.prefixKey(id, 'utf8'), pointers[i]!)
        }
      })
      await batch.write(SYNC)
      this.stored.forget(moves.map(move => move.id))
    })
  }

  /** Whether a pointer of `id` (pending, or in LevelDB) names the record at `at`: it is live. */
  private pointsAt(id: string, at: Pointer): boolean {
    return this.pointersOf(id).some(([, pointer]) => samePlace(pointer, at))
  }

  /**
   * Every pointer held for `id`, with its place (undefined: pending). Usually one; an object
   * stored and then bulk-loaded again has more (see `StoredValues.pointersOf`), and a record is
   * live while any of them names it.
   */
  private pointersOf(id: string): Array<[Sub<Uint8Array> | undefined, Pointer]> {
    const out: Array<[Sub<Uint8Array> | undefined, Pointer]> = this.stored.pointersOf(id)
    for (const pointer of this.pending.pointersOf(id)) out.push([undefined, pointer])
    return out
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    const result = this.lock.then(work)
    this.lock = result.catch(() => {})
    return result
  }
}
