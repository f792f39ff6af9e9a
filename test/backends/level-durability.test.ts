/**
 * Power-cut durability of the LevelDB backend. After a power cut LevelDB keeps what it synced:
 * a `sync` write fdatasyncs the current log file and nothing else, and a log file is closed
 * unsynced when the memtable fills and LevelDB switches to a new one. So a commit is durable only
 * if every write it is made of was itself a sync write; a sync ref write after unsynced object
 * batches leaves those batches in an old, unsynced log whenever a log switch falls between them.
 *
 * The SIGKILL tests (crash.test.ts) cannot see this: a killed process's unsynced writes are still
 * in the operating system's page cache and reach the disk. So this test records the `sync` option
 * of every write the backend hands to LevelDB while it writes commits larger than the memtable
 * (several log switches inside one commit), and holds each to it.
 */
import { cpSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Level } from 'level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openLevelBackend, Repo } from '../../index.js'
import { frameObject, getDefaultHasher } from '../../core/index.js'
import { decodePointer, RECORD_HEADER, ValueLog } from '../../backends/value-log.js'
import { removeDir, tempDir } from '../helpers/git.js'

interface LevelWrite {
  kind: 'put' | 'del' | 'batch' | 'chained batch' | 'log sync' | 'memtable flush' | 'synced mark'
  sync: boolean
  /** A chained batch's put of a value-log pointer (recorded as the batch is built). */
  pointer?: true
  /** For a pointer: whether the record it names lay, when it was put, within what a finished log sync had made durable. */
  synced?: boolean
}

const writes: LevelWrite[] = []
/** Per log file, the bytes that finished log syncs made durable (what the file held when each sync was called). */
const durable = new Map<number, number>()
const restore: Array<() => void> = []

/** Wraps `object[method]` to record each call's `sync` option, the options being argument `optionsAt`. */
function record(object: object, method: string, kind: LevelWrite['kind'], optionsAt: number): void {
  const target = object as Record<string, (...args: unknown[]) => unknown>
  const original = target[method]
  target[method] = function (this: unknown, ...args: unknown[]) {
    // The backend's synced deletion of a key it never writes: how it makes the memtable's log durable.
    const marks = kind === 'del' && String(args[0]) === '~sync'
    writes.push({ kind: marks ? 'synced mark' : kind, sync: (args[optionsAt] as { sync?: boolean } | undefined)?.sync === true })
    return original.apply(this, args)
  }
  restore.push(() => (target[method] = original))
}

const dir = tempDir('irmin-level-durability-')

beforeAll(async () => {
  const probe = new Level(join(dir, 'probe'))
  await probe.open()
  const chainedBatch = Object.getPrototypeOf(probe.batch()) as object
  await probe.close()
  record(Level.prototype, '_put', 'put', 2)
  record(Level.prototype, '_del', 'del', 1)
  record(Level.prototype, '_batch', 'batch', 1)
  record(chainedBatch, '_write', 'chained batch', 0)
  record(Level.prototype, 'compactRange', 'memtable flush', 2)
  const chained = chainedBatch as { _put(key: unknown, value: unknown, options: unknown): unknown }
  const put = chained._put
  chained._put = function (this: unknown, key: unknown, value: unknown, options: unknown) {
    const pointer = value instanceof Uint8Array ? decodePointer(value) : undefined
    if (pointer !== undefined) writes.push({ kind: 'put', sync: false, pointer: true, synced: pointer.offset + RECORD_HEADER + pointer.length <= (durable.get(pointer.file) ?? 0) })
    return put.call(this, key, value, options)
  }
  restore.push(() => (chained._put = put))
  const sync = ValueLog.prototype.sync
  ValueLog.prototype.sync = async function (this: ValueLog) {
    writes.push({ kind: 'log sync', sync: true })
    const extents = this.fileNumbers().map(file => [file, this.fileSize(file)] as const)
    await sync.call(this)
    for (const [file, size] of extents) durable.set(file, Math.max(durable.get(file) ?? 0, size))
  }
  restore.push(() => (ValueLog.prototype.sync = sync))
})

afterAll(() => {
  for (const undo of restore) undo()
  removeDir(dir)
})

/** A synced mark, or a flush after it: each makes the memtable durable (one step for the tests). */
function durableStep(kind: LevelWrite['kind']): string {
  return kind === 'synced mark' || kind === 'memtable flush' ? 'memtable durable' : kind
}

/**
 * After `syncObjects`: either the memtable went into table files (LevelDB syncs them, and the
 * manifest that lists them), leaving the logs empty, or its last write was a synced one and a
 * single log is left (LevelDB deletes an older log only once its memtable is in a synced table).
 */
function expectNothingOnlyInAnUnsyncedLog(location: string): void {
  const logs = readdirSync(location).filter(name => name.endsWith('.log'))
  const flushed = writes.some(write => write.kind === 'memtable flush')
  if (flushed) expect(logs.map(name => statSync(join(location, name)).size)).toEqual(logs.map(() => 0))
  else {
    expect(writes.at(-1)).toEqual({ kind: 'synced mark', sync: true })
    expect(logs).toHaveLength(1)
  }
}

describe('LevelDB power-cut durability', () => {
  it('every write of a commit is a sync write, also when the commit spans several log files', async () => {
    const location = join(dir, 'db')
    // A 64 KiB memtable: each 1 MiB commit below switches log files many times.
    const repo = await Repo.open({ backend: await openLevelBackend(location, { writeBufferSize: 64 * 1024 }), contents: Contents.string })
    const main = repo.branch('main')
    writes.length = 0
    for (let round = 0; round < 3; round++) {
      await main.batch(tx => {
        for (let i = 0; i < 2000; i++) tx.set(['d', `${i % 40}`, `k${i}`], `${round}:${i}:`.padEnd(500, 'x'))
      })
      await main.set(['small', `${round}`], 'one key')
    }
    const head = await main.head()
    await repo.close()

    // At least one write per commit (the objects and the ref move share one batch when they fit).
    expect(writes.length).toBeGreaterThanOrEqual(6)
    expect(writes.filter(write => !write.sync)).toEqual([])
    // The memtable did fill: LevelDB moved it into table files, switching logs on the way.
    expect(readdirSync(location).filter(name => name.endsWith('.ldb')).length).toBeGreaterThan(0)

    const reopened = await Repo.open({ backend: await openLevelBackend(location), contents: Contents.string })
    expect((await reopened.branch('main').head())?.id).toBe(head?.id)
    expect(await reopened.branch('main').get(['d', '7', 'k1207'])).toBe('2:1207:'.padEnd(500, 'x'))
    await reopened.close()
  })

  it('a bulk load writes unsynced, its pointers reach LevelDB only after the value log is synced, and syncObjects leaves nothing only in a log file', async () => {
    const location = join(dir, 'bulk')
    const backend = await openLevelBackend(location, { writeBufferSize: 64 * 1024 })
    const hasher = getDefaultHasher()
    // Half below the bulk threshold (stored inline in LevelDB), half above (value log).
    const objects = Array.from({ length: 600 }, (_, i) => {
      const framed = frameObject('blob', new TextEncoder().encode(`${i}:`.padEnd(i % 2 === 0 ? 100 : 700, 'y')))
      return [hasher.sha1Hex(framed), framed] as const
    })
    writes.length = 0
    for (let start = 0; start < objects.length; start += 100) await backend.putObjectsDeferred(objects.slice(start, start + 100))
    expect(writes.length).toBeGreaterThan(0)
    expect(writes.filter(write => write.sync)).toEqual([])
    expect(writes.filter(write => write.kind === 'log sync' || write.pointer)).toEqual([])
    await backend.syncObjects()
    const firstPointer = writes.findIndex(write => write.pointer)
    expect(firstPointer).toBeGreaterThan(writes.findIndex(write => write.kind === 'log sync'))
    expect(writes.findIndex(write => write.kind === 'log sync')).toBeGreaterThanOrEqual(0)
    expectNothingOnlyInAnUnsyncedLog(location)
    const got = await backend.getObjects(objects.map(([id]) => id))
    got.forEach((bytes, i) => expect(new Uint8Array(bytes!)).toEqual(objects[i]![1]))
    await backend.close()
  })

  it('syncObjects writes the memtable out when more than one log is left after its synced write', async () => {
    const location = join(dir, 'bulk-two-logs')
    const backend = await openLevelBackend(location)
    const hasher = getDefaultHasher()
    const objects = Array.from({ length: 200 }, (_, i) => {
      const framed = frameObject('blob', new TextEncoder().encode(`${i}:`.padEnd(i % 2 === 0 ? 100 : 700, 'v')))
      return [hasher.sha1Hex(framed), framed] as const
    })
    await backend.putObjectsDeferred(objects)
    // As if an older log, closed unsynced, were still waiting for its memtable to reach a table.
    const older = join(location, '999999.log')
    writeFileSync(older, '')
    writes.length = 0
    await backend.syncObjects()
    unlinkSync(older)
    expect(writes.map(write => write.kind).filter(kind => kind === 'synced mark' || kind === 'memtable flush')).toEqual(['synced mark', 'memtable flush'])
    expectNothingOnlyInAnUnsyncedLog(location)
    await backend.close()
    const reopened = await openLevelBackend(location)
    const got = await reopened.getObjects(objects.map(([id]) => id))
    got.forEach((bytes, i) => expect(Buffer.from(bytes!).equals(objects[i]![1])).toBe(true))
    await reopened.close()
  })

  it('a bulk load larger than bulkIndexBytes has its pointers written while it runs, each only once the log is synced past its record', async () => {
    const location = join(dir, 'bulk-background')
    const backend = await openLevelBackend(location, { writeBufferSize: 64 * 1024, bulkIndexBytes: 16 * 1024 })
    const hasher = getDefaultHasher()
    const objects = Array.from({ length: 2000 }, (_, i) => {
      const framed = frameObject('blob', new TextEncoder().encode(`${i}:`.padEnd(300 + (i % 7) * 100, 'w')))
      return [hasher.sha1Hex(framed), framed] as const
    })
    writes.length = 0
    durable.clear()
    // Batches written back to back, as a clone's writer hands them over, each read back while indexing runs.
    for (let start = 0; start < objects.length; start += 50) {
      const batch = objects.slice(start, start + 50)
      await backend.putObjectsDeferred(batch)
      const back = await backend.getObjects(objects.slice(0, start + 50).map(([id]) => id))
      back.forEach((bytes, i) => expect(Buffer.from(bytes!).equals(objects[i]![1])).toBe(true))
      expect((await backend.hasObjects(batch.map(([id]) => id))).every(Boolean)).toBe(true)
    }
    await new Promise(resolve => setTimeout(resolve, 50))
    const beforeSync = writes.filter(write => write.pointer).length
    expect(beforeSync).toBeGreaterThan(0)
    await backend.syncObjects()
    const pointers = writes.filter(write => write.pointer)
    expect(pointers.length).toBeGreaterThanOrEqual(objects.length)
    expect(pointers.filter(write => !write.synced)).toEqual([])
    expect(writes.filter(write => write.kind !== 'log sync' && write.kind !== 'synced mark' && write.sync)).toEqual([])
    await backend.close()
    const reopened = await openLevelBackend(location)
    const got = await reopened.getObjects(objects.map(([id]) => id))
    got.forEach((bytes, i) => expect(Buffer.from(bytes!).equals(objects[i]![1])).toBe(true))
    await reopened.close()
  })

  it('a large object is synced in the value log before the synced batch that points to it', async () => {
    const location = join(dir, 'large')
    const repo = await Repo.open({ backend: await openLevelBackend(location), contents: Contents.string })
    writes.length = 0
    await repo.branch('main').set(['big'], 'z'.repeat(200_000))
    const kinds = writes.map(write => (write.pointer ? 'pointer' : write.kind))
    expect(kinds.indexOf('log sync')).toBeGreaterThanOrEqual(0)
    expect(kinds.indexOf('pointer')).toBeGreaterThan(kinds.indexOf('log sync'))
    expect(writes.filter(write => write.kind !== 'log sync' && write.kind !== 'put' && !write.sync)).toEqual([])
    await repo.close()
    const reopened = await Repo.open({ backend: await openLevelBackend(location), contents: Contents.string })
    expect(await reopened.branch('main').get(['big'])).toBe('z'.repeat(200_000))
    await reopened.close()
  })

  it('an unsynced commit moves the ref in memory only; a synced move after it, and syncObjects, flush the memtable before writing a ref', async () => {
    const location = join(dir, 'unsynced')
    const repo = await Repo.open({ backend: await openLevelBackend(location), contents: Contents.string })
    const main = repo.branch('main')
    await main.set(['base'], 'durable')
    const durableHead = await main.headId()
    /** What a crash now leaves: the directory as the page cache has it (a power cut may leave less, never a ref to a lost object). */
    const crash = async (name: string) => {
      cpSync(location, join(dir, name), { recursive: true })
      return Repo.open({ backend: await openLevelBackend(join(dir, name)), contents: Contents.string })
    }
    writes.length = 0
    await main.set(['a'], 'one', { unsynced: true })
    await main.set(['b'], 'two', { unsynced: true })
    expect(writes.filter(write => write.sync || write.kind === 'memtable flush')).toEqual([])
    expect(await main.get(['b'])).toBe('two') // readable at once
    const crashed = await crash('unsynced-crash')
    expect(await crashed.branch('main').headId()).toBe(durableHead)
    expect(await crashed.branch('main').get(['base'])).toBe('durable')
    await crashed.close()

    // A synced move names the unsynced commits (its parent): they are made durable first.
    writes.length = 0
    await main.set(['c'], 'three')
    // Synced writes and flushes, in order (the unsynced moves' own batches land in the background).
    const leveldbWrites = () => writes.filter(write => write.sync || write.kind === 'memtable flush').map(write => [durableStep(write.kind), write.sync || durableStep(write.kind) === 'memtable durable'])
    expect(leveldbWrites().filter(([kind]) => kind !== 'log sync')).toEqual([
      ['memtable durable', true],
      ['chained batch', true],
    ])
    const synced = await crash('synced-crash')
    expect(await synced.branch('main').get(['a'])).toBe('one')
    expect(await synced.branch('main').headId()).toBe(await main.headId())
    await synced.close()

    // syncObjects: the memtable, then each ref moved unsynced at its current value.
    await main.set(['d'], 'four', { unsynced: true })
    writes.length = 0
    await repo.backend.syncObjects!()
    expect(leveldbWrites().filter(([kind]) => kind !== 'log sync')).toEqual([
      ['memtable durable', true],
      ['chained batch', true],
    ])
    const head = await main.headId()
    const afterSync = await crash('sync-crash')
    expect(await afterSync.branch('main').headId()).toBe(head)
    await afterSync.close()

    // Closing makes a ref moved unsynced durable too.
    await main.set(['e'], 'five', { unsynced: true })
    const last = await main.headId()
    await repo.close()
    const reopened = await Repo.open({ backend: await openLevelBackend(location), contents: Contents.string })
    expect(await reopened.branch('main').headId()).toBe(last)
    expect(await reopened.branch('main').get(['e'])).toBe('five')
    await reopened.close()
  })
})
