/**
 * A bulk load's objects have one LevelDB entry each, their value log pointer in the size index
 * (backends/level-lookup.ts): counted in the raw database, and read, listed, found, deleted and
 * compacted like any object. Stores written before (pointer in `o`, size in `s`) read as they
 * did, and so do objects written both ways. The lookup's re-read when a write lands between its
 * two lookups, on fake sublevels.
 */
import { Level } from 'level'
import { describe, expect, it } from 'vitest'
import { openLevelBackend } from '../../index.js'
import { blobObject } from '../../backends/conformance.js'
import { StoredValues } from '../../backends/level-lookup.js'
import { decodePointer, encodePointer, isPointer } from '../../backends/value-log.js'
import { freshDirs } from '../helpers/git.js'
import { expectStored, listing } from '../helpers/stored-objects.js'

const freshDir = freshDirs('irmin-bulk-index-')

/** Bulk objects (≥ 256 bytes: value log) and small ones (inline). */
const big = (n: number) => blobObject(`big ${n}:`.padEnd(600 + n, 'b'))
const small = (n: number) => blobObject(`small ${n}`)

async function rawEntries(location: string, sublevel: string): Promise<Map<string, Uint8Array>> {
  const raw = new Level<string, Uint8Array>(location, { valueEncoding: 'view' })
  const out = new Map<string, Uint8Array>()
  for await (const [key, value] of raw.sublevel<string, Uint8Array>(sublevel, { valueEncoding: 'view' }).iterator()) out.set(key, value)
  await raw.close()
  return out
}

describe('LevelDB bulk-loaded objects', () => {
  it('have one LevelDB entry each, their pointer in the size index, and read, list, delete and compact as any object', async () => {
    const location = freshDir()
    const options = { valueLogFileBytes: 64 * 1024, compactDeadBytes: 16 * 1024 }
    let backend = await openLevelBackend(location, options)
    const bigs = Array.from({ length: 300 }, (_, n) => big(n))
    const smalls = Array.from({ length: 50 }, (_, n) => small(n))
    await backend.putObjectsDeferred!([...bigs, ...smalls])
    await backend.syncObjects!()
    await expectStored(backend, [...bigs, ...smalls])
    await backend.close()

    const objects = await rawEntries(location, 'o')
    const index = await rawEntries(location, 's')
    expect([...objects.keys()].sort()).toEqual(smalls.map(([id]) => id).sort())
    expect(index.size).toBe(bigs.length + smalls.length)
    for (const [id] of bigs) expect(isPointer(index.get(id)!)).toBe(true)

    backend = await openLevelBackend(location, options)
    await expectStored(backend, [...bigs, ...smalls])
    // Three in four deleted: the first log files are compacted, their live pointers moved within the size index.
    const gone = bigs.filter((_, n) => n % 4 !== 0)
    const kept = bigs.filter((_, n) => n % 4 === 0)
    await backend.deleteObjects(gone.map(([id]) => id))
    await backend.close()
    const moved = await rawEntries(location, 's')
    expect(moved.size).toBe(kept.length + smalls.length)
    expect(kept.some(([id]) => decodePointer(moved.get(id)!)!.file !== decodePointer(index.get(id)!)!.file)).toBe(true)
    expect((await rawEntries(location, 'o')).size).toBe(smalls.length)

    backend = await openLevelBackend(location, options)
    await expectStored(backend, [...kept, ...smalls])
    expect(await backend.getObjects(gone.map(([id]) => id))).toEqual(gone.map(() => undefined))
    expect(await backend.hasObjects(gone.map(([id]) => id))).toEqual(gone.map(() => false))
    expect((await listing(backend)).size).toBe(kept.length + smalls.length)
    await backend.close()
  })

  it('a store written before (pointer in o, size in s) reads, lists, deletes and compacts as before', async () => {
    const location = freshDir()
    const options = { valueLogFileBytes: 64 * 1024, compactDeadBytes: 16 * 1024 }
    let backend = await openLevelBackend(location, options)
    const bigs = Array.from({ length: 300 }, (_, n) => big(n))
    await backend.putObjectsDeferred!(bigs)
    await backend.syncObjects!()
    await backend.close()
    // The layout before: each pointer in `o`, its size in decimal in `s`.
    const raw = new Level<string, Uint8Array>(location, { valueEncoding: 'view' })
    const index = raw.sublevel<string, Uint8Array>('s', { valueEncoding: 'view' })
    const before = new Map<string, Uint8Array>()
    for await (const [id, pointer] of index.iterator()) before.set(id, pointer)
    const batch = raw.batch()
    for (const [id, pointer] of before) {
      batch.put(id, pointer, { sublevel: raw.sublevel('o', { valueEncoding: 'view' }) })
      batch.put(id, String(decodePointer(pointer)!.length) as unknown as Uint8Array, { sublevel: index, valueEncoding: 'utf8' })
    }
    await batch.write()
    await raw.close()

    backend = await openLevelBackend(location, options)
    await expectStored(backend, bigs)
    const gone = bigs.filter((_, n) => n % 4 !== 0)
    const kept = bigs.filter((_, n) => n % 4 === 0)
    await backend.deleteObjects(gone.map(([id]) => id))
    await backend.close()
    const objects = await rawEntries(location, 'o')
    expect(objects.size).toBe(kept.length)
    expect(kept.some(([id]) => decodePointer(objects.get(id)!)!.file !== decodePointer(before.get(id)!)!.file)).toBe(true)
    for (const entry of (await rawEntries(location, 's')).values()) expect(isPointer(entry)).toBe(false)

    backend = await openLevelBackend(location, options)
    await expectStored(backend, kept)
    expect(await backend.getObjects(gone.map(([id]) => id))).toEqual(gone.map(() => undefined))
    expect((await listing(backend)).size).toBe(kept.length)
    await backend.close()
  })

  it('an object written both ways (bulk then ordinary, ordinary then bulk) reads, lists once and deletes whole', async () => {
    const location = freshDir()
    const backend = await openLevelBackend(location)
    const first = Array.from({ length: 20 }, (_, n) => big(n))
    const second = Array.from({ length: 20 }, (_, n) => big(100 + n))
    await backend.putObjectsDeferred!(first)
    await backend.syncObjects!()
    await backend.putObjects([...first, ...second])
    await backend.putObjectsDeferred!(second)
    await backend.syncObjects!()
    await expectStored(backend, [...first, ...second])
    expect((await listing(backend)).size).toBe(40)
    await backend.deleteObjects([...first, ...second].map(([id]) => id))
    expect(await backend.hasObjects([...first, ...second].map(([id]) => id))).toEqual(Array(40).fill(false))
    expect((await listing(backend)).size).toBe(0)
    await backend.close()
    expect((await rawEntries(location, 'o')).size + (await rawEntries(location, 's')).size).toBe(0)
  })
})

/** A sublevel stand-in: a Map, whose reads can be made to see a write land just after them. */
function fakeSublevel(entries: Map<string, Uint8Array>, afterRead?: () => void) {
  const read = (id: string) => {
    const value = entries.get(id)
    afterRead?.()
    return value
  }
  return {
    getSync: read,
    getMany: async (ids: string[]) => ids.map(read),
  }
}

describe('LevelDB lookup of an object in o or the size index', () => {
  const pointer = encodePointer(1, 0, 10)
  const inline = new Uint8Array([0x62, 0x6c, 0x6f, 0x62])
  const size = new TextEncoder().encode('4')

  it('reads o again when an ordinary write lands between its lookup in o and in the size index', async () => {
    for (const sync of [true, false]) {
      const objects = new Map<string, Uint8Array>()
      const index = new Map<string, Uint8Array>([['a', pointer]])
      // The write of `a` to o (its size replacing its pointer) lands right after o is read.
      let landed = false
      const land = () => {
        if (landed) return
        landed = true
        objects.set('a', inline)
        index.set('a', size)
      }
      const stored = new StoredValues(fakeSublevel(objects, land) as never, fakeSublevel(index) as never)
      const values: Array<Uint8Array | undefined> = [undefined]
      if (sync) values[0] = stored.getSync('a')
      else await stored.getMany(['a'], values)
      expect(values[0]).toEqual(inline)
    }
  })

  it('finds both kinds whichever place it tries first, and answers absent for what neither holds', async () => {
    const objects = new Map([['o1', inline]])
    const index = new Map([['o1', size], ['p1', pointer], ['p2', pointer]])
    const stored = new StoredValues(fakeSublevel(objects) as never, fakeSublevel(index) as never)
    for (let round = 0; round < 4; round++) {
      // Pointer-heavy batches turn the order to the size index first, inline ones back.
      const ids = round % 2 === 0 ? ['p1', 'p2', 'o1', 'none'] : ['o1', 'none', 'o1', 'p1']
      const values: Array<Uint8Array | undefined> = ids.map(() => undefined)
      await stored.getMany(ids, values)
      expect(values).toEqual(ids.map(id => (id === 'o1' ? inline : id === 'none' ? undefined : pointer)))
      expect(ids.map(id => stored.getSync(id))).toEqual(values)
    }
  })
})
