/**
 * The memory backend. Objects live in a byte arena indexed by an id table (no heap object per
 * stored object, so millions of them do not slow the garbage collector down); refs in a `Map`.
 * `casRef` is atomic because the check and the set happen in one synchronous step. Nothing
 * survives the process. Reads return views into the arena: callers must not modify them.
 */
import type { Backend, ObjectEntry, RefListener } from '../core/backend.js'
import { RefListeners } from '../core/backend.js'
import { ByteArena } from '../core/byte-arena.js'
import { ClosedError } from '../core/errors.js'
import { IdTable } from '../core/id-table.js'
import { RefTable } from './ref-table.js'
import { type BackendLimits, checkCas, checkIds, checkObjects, checkPrefix, checkRefName, DEFAULT_MAX_OBJECT_SIZE } from './contract.js'

/** Objects too large for the arena are kept whole; the table marks them with this address. */
const LARGE = -1

export class MemoryBackend implements Backend {
  private index = new IdTable()
  private arena = new ByteArena()
  private large = new Map<string, Uint8Array>()
  /** Arena bytes of deleted objects, reclaimed by compaction. */
  private released = 0
  private readonly refs = new RefTable()
  private readonly listeners = new RefListeners()
  private closed = false
  private readonly maxObjectSize: number

  /** `compactAfter`: released arena bytes that trigger compaction (default 64 MiB; tests set less). */
  constructor(
    limits: BackendLimits = {},
    private readonly compactAfter = 64 * 1024 * 1024,
  ) {
    this.maxObjectSize = limits.maxObjectSize ?? DEFAULT_MAX_OBJECT_SIZE
  }

  private open(): void {
    if (this.closed) throw new ClosedError('memory backend')
  }

  private read(id: string): Uint8Array | undefined {
    const address = this.index.get(id)
    if (address === undefined) return undefined
    return address === LARGE ? this.large.get(id) : this.arena.read(address)
  }

  async getObjects(ids: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    checkIds(ids)
    return this.getObjectsSync(ids)
  }

  /** The core's fast path: its ids are ones it parsed or checked, so they are not checked again. */
  getObjectsSync(ids: readonly string[]): Array<Uint8Array | undefined> {
    this.open()
    return ids.map(id => this.read(id))
  }

  async hasObjects(ids: readonly string[]): Promise<boolean[]> {
    this.open()
    checkIds(ids)
    return ids.map(id => this.index.has(id))
  }

  async putObjects(objects: readonly ObjectEntry[]): Promise<void> {
    this.open()
    checkObjects(objects, this.maxObjectSize)
    for (const [id, bytes] of objects) {
      if (this.index.has(id)) continue
      if (bytes.length > ByteArena.MAX_ENTRY) {
        this.large.set(id, bytes.slice())
        this.index.set(id, LARGE)
      } else {
        this.index.set(id, this.arena.append(bytes))
      }
    }
  }

  async deleteObjects(ids: readonly string[]): Promise<void> {
    this.open()
    checkIds(ids)
    for (const id of ids) {
      const address = this.index.get(id)
      if (address === undefined) continue
      if (address === LARGE) this.large.delete(id)
      else this.released += ByteArena.footprint(this.arena.read(address).length)
      this.index.delete(id)
    }
    if (this.released > this.compactAfter && this.released * 2 > this.arena.bytes) this.compact()
  }

  /** Copies the live objects into a fresh arena, dropping the space of deleted ones. */
  private compact(): void {
    const arena = new ByteArena()
    const index = new IdTable(this.index.size)
    for (const [id, address] of this.index.entries()) {
      index.set(id, address === LARGE ? LARGE : arena.append(this.arena.read(address)))
    }
    this.arena = arena
    this.index = index
    this.released = 0
  }

  async *objectIds(): AsyncIterable<string> {
    this.open()
    for (const [id] of this.index.entries()) yield id
  }

  async *objectSizes(): AsyncIterable<Array<[string, number]>> {
    this.open()
    let batch: Array<[string, number]> = []
    for (const [id, address] of this.index.entries()) {
      batch.push([id, address === LARGE ? (this.large.get(id)?.length ?? 0) : this.arena.read(address).length])
      if (batch.length === 1000) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
  }

  async getRef(name: string): Promise<string | undefined> {
    return this.peekRef(name)
  }

  /** The ref's current value, synchronously: this backend always knows it. */
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

  async casRef(name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    this.open()
    checkCas(name, expected, next)
    if (this.refs.get(name) !== expected) return false
    this.refs.set(name, next)
    this.listeners.emit(name, next)
    return true
  }

  watchRefs(listener: RefListener): () => void {
    return this.listeners.add(listener)
  }

  async close(): Promise<void> {
    this.closed = true
    this.index = new IdTable()
    this.arena = new ByteArena()
    this.large.clear()
    this.refs.clear()
  }
}

export function openMemoryBackend(limits: BackendLimits = {}): MemoryBackend {
  return new MemoryBackend(limits)
}
