/**
 * The LevelDB backend keeps the value log pointers it looked up (backends/level-lookup.ts). A
 * kept pointer must not outlive its object's deletion, must not hide a move by compaction, and
 * must not be kept by a lookup that a deletion overtook (on fake sublevels, where the test
 * decides when the lookup's answer arrives).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { openLevelBackend } from '../../index.js'
import { blobObject } from '../../backends/conformance.js'
import { StoredValues } from '../../backends/level-lookup.js'
import { encodePointer } from '../../backends/value-log.js'
import { freshDirs } from '../helpers/git.js'
import { expectStored } from '../helpers/stored-objects.js'

const freshDir = freshDirs('irmin-kept-pointers-')

/** Objects a bulk load puts in the value log. */
const big = (n: number) => blobObject(`kept ${n}:`.padEnd(600 + n, 'k'))
const ids = (objects: ReadonlyArray<readonly [string, Uint8Array]>) => objects.map(([id]) => id)

describe('LevelDB kept pointers', () => {
  it('a deleted object reads as absent, though its pointer was kept', async () => {
    const backend = await openLevelBackend(freshDir())
    const objects = Array.from({ length: 60 }, (_, n) => big(n))
    await backend.putObjectsDeferred!(objects)
    await backend.syncObjects!()
    await expectStored(backend, objects)
    const gone = objects.filter((_, n) => n % 2 === 0)
    await backend.deleteObjects(ids(gone))
    expect(await backend.getObjects(ids(gone))).toEqual(gone.map(() => undefined))
    expect(backend.getObjectsSync!(ids(gone))).toEqual(gone.map(() => undefined))
    await expectStored(backend, objects.filter((_, n) => n % 2 === 1))
    await backend.close()
  })

  it('an object compaction moved reads from its new place, though its old pointer was kept', async () => {
    const location = freshDir()
    const backend = await openLevelBackend(location, { valueLogFileBytes: 64 * 1024, compactDeadBytes: 16 * 1024 })
    const objects = Array.from({ length: 300 }, (_, n) => big(n))
    await backend.putObjectsDeferred!(objects)
    await backend.syncObjects!()
    await expectStored(backend, objects)
    // Three in four deleted: the first log file is compacted, its live records copied elsewhere, and removed.
    await backend.deleteObjects(ids(objects.filter((_, n) => n % 4 !== 0)))
    const firstFile = join(location, 'values', '000001.vlog')
    expect(existsSync(firstFile)).toBe(true)
    await vi.waitFor(() => expect(existsSync(firstFile)).toBe(false), { timeout: 10_000 })
    await expectStored(backend, objects.filter((_, n) => n % 4 === 0))
    await backend.close()
  })

  it('a lookup that a deletion overtook keeps nothing of what it found', async () => {
    const pointer = encodePointer(1, 0, 10)
    const index = new Map([['a'.repeat(40), pointer]])
    let answer: (() => void) | undefined
    let lookups = 0
    const sizeIndex = {
      getSync: (id: string) => (lookups++, index.get(id)),
      // The batched lookup reads now and answers when the test says.
      getMany: (keys: string[]) => {
        lookups++
        const found = keys.map(id => index.get(id))
        return new Promise<Array<Uint8Array | undefined>>(resolve => (answer = () => resolve(found)))
      },
    }
    const objects = { getSync: () => undefined, getMany: async (keys: string[]) => keys.map(() => undefined) }
    const stored = new StoredValues(objects as never, sizeIndex as never)
    // The size index is tried first from here on (a pointer was found there).
    expect(stored.getSync('b'.repeat(40))).toBeUndefined()
    stored.getSync('a'.repeat(40))
    stored.forget(['a'.repeat(40)])

    const values: Array<Uint8Array | undefined> = [undefined]
    const looking = stored.getMany(['a'.repeat(40)], values)
    await vi.waitFor(() => expect(answer).toBeDefined())
    // The deletion lands in LevelDB and is forgotten before the lookup's old answer arrives.
    index.delete('a'.repeat(40))
    stored.forget(['a'.repeat(40)])
    answer!()
    await looking
    expect(values[0]).toBe(pointer) // what LevelDB held when it was asked
    const before = lookups
    expect(stored.getSync('a'.repeat(40))).toBeUndefined()
    expect(lookups).toBeGreaterThan(before)
  })

  it('a kept pointer answers without a LevelDB lookup', async () => {
    const pointer = encodePointer(1, 0, 10)
    let lookups = 0
    const sizeIndex = {
      getSync: (id: string) => (lookups++, id === 'a'.repeat(40) ? pointer : undefined),
      getMany: async (keys: string[]) => (lookups++, keys.map(id => (id === 'a'.repeat(40) ? pointer : undefined))),
    }
    const objects = { getSync: () => undefined, getMany: async (keys: string[]) => keys.map(() => undefined) }
    const stored = new StoredValues(objects as never, sizeIndex as never)
    const values: Array<Uint8Array | undefined> = [undefined]
    await stored.getMany(['a'.repeat(40)], values)
    expect(values[0]).toBe(pointer)
    const before = lookups
    expect(stored.getSync('a'.repeat(40))).toBe(pointer)
    const again: Array<Uint8Array | undefined> = [undefined]
    await stored.getMany(['a'.repeat(40)], again)
    expect(again[0]).toBe(pointer)
    expect(lookups).toBe(before)
  })
})
