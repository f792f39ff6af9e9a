/**
 * The LevelDB backend's value log (backends/value-log.ts, level-values.ts): conformance with every
 * object in the log; a model-based property test against a plain Map, with ordinary and bulk
 * writes, deletions that trigger compactions, concurrent operations and reopens; compaction
 * reclaiming space; a damaged log file read as corruption, never as other bytes.
 */
import { readdirSync, statSync, truncateSync } from 'node:fs'
import { dirname, join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Backend, openLevelBackend } from '../../index.js'
import type { LevelBackendOptions } from '../../backends/level.js'
import { blobObject } from '../../backends/conformance.js'
import { ValueLog } from '../../backends/value-log.js'
import { runConformance } from '../helpers/conformance.js'
import { VALUE_LOG_EVERYWHERE } from '../helpers/gc-backends.js'
import { freshDirs } from '../helpers/git.js'

const freshDir = freshDirs('irmin-vlog-')

const locations = new WeakMap<Backend, string>()
runConformance('LevelDB with every object in the value log', {
  open: async options => {
    const location = freshDir()
    const backend = await openLevelBackend(location, { ...VALUE_LOG_EVERYWHERE, ...options })
    locations.set(backend, location)
    return backend
  },
  reopen: async backend => {
    await backend.close()
    const location = locations.get(backend)!
    const reopened = await openLevelBackend(location, VALUE_LOG_EVERYWHERE)
    locations.set(reopened, location)
    return reopened
  },
})

const logBytes = (location: string) => readdirSync(join(location, 'values')).reduce((sum, name) => sum + statSync(join(location, 'values', name)).size, 0)
const logFiles = (location: string) => readdirSync(join(location, 'values')).sort()

const blob = (n: number, size: number) => blobObject(`${n}:`.padEnd(size, String.fromCharCode(97 + (n % 26))))

type Op =
  | { kind: 'put'; objects: number[] }
  | { kind: 'bulk'; objects: number[] }
  | { kind: 'sync' }
  | { kind: 'delete'; objects: number[] }
  | { kind: 'reopen' }
  | { kind: 'concurrent'; put: number[]; del: number[] }

const objectNumbers = fc.array(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 12 })
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), objects: objectNumbers }),
  fc.record({ kind: fc.constant('bulk' as const), objects: objectNumbers }),
  fc.constant({ kind: 'sync' as const }),
  fc.record({ kind: fc.constant('delete' as const), objects: objectNumbers }),
  fc.constant({ kind: 'reopen' as const }),
  fc.record({ kind: fc.constant('concurrent' as const), put: objectNumbers, del: objectNumbers }),
)

describe('LevelDB value log', () => {
  it('behaves as a Map under random writes, bulk loads, deletions, compactions, concurrency and reopens', async () => {
    // Sizes around the thresholds: some inline, some in the log, on both write paths.
    const sizeOf = (n: number) => [40, 300, 1000, 5000][n % 4]!
    // A bulk load's pointers are indexed in the background every few objects, beside the rest.
    const options: LevelBackendOptions = { valueLogMin: 1000, bulkValueLogMin: 300, valueLogFileBytes: 16 * 1024, compactDeadBytes: 1, bulkIndexBytes: 4000 }
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async ops => {
        const location = freshDir()
        let backend = await openLevelBackend(location, options)
        const model = new Map<string, Uint8Array>()
        const objectOf = (n: number) => blob(n, sizeOf(n))
        const put = async (numbers: number[], bulk: boolean) => {
          const objects = numbers.map(objectOf)
          await (bulk ? backend.putObjectsDeferred!(objects) : backend.putObjects(objects))
          for (const [id, bytes] of objects) model.set(id, bytes)
        }
        const del = async (numbers: number[]) => {
          const ids = numbers.map(n => objectOf(n)[0])
          await backend.deleteObjects(ids)
          for (const id of ids) model.delete(id)
        }
        try {
          for (const step of ops) {
            if (step.kind === 'put' || step.kind === 'bulk') await put(step.objects, step.kind === 'bulk')
            else if (step.kind === 'sync') await backend.syncObjects!()
            else if (step.kind === 'delete') await del(step.objects)
            else if (step.kind === 'reopen') {
              await backend.syncObjects!() // a bulk load's objects are durable only after it
              await backend.close()
              backend = await openLevelBackend(location, options)
            } else {
              // Disjoint sets, so the model's outcome does not depend on the order.
              const deleted = step.del.filter(n => !step.put.includes(n))
              const bulk = step.put.filter(n => n % 2 === 0)
              await Promise.all([put(step.put.filter(n => n % 2 === 1), false), put(bulk, true), del(deleted), backend.getObjects(step.put.map(n => objectOf(n)[0]))])
            }
            const ids = Array.from({ length: 60 }, (_, n) => objectOf(n)[0])
            const got = await backend.getObjects(ids)
            const gotSync = backend.getObjectsSync!(ids)
            const present = await backend.hasObjects(ids)
            ids.forEach((id, i) => {
              expect(got[i] === undefined ? undefined : Buffer.from(got[i]!).toString(), id).toBe(model.has(id) ? Buffer.from(model.get(id)!).toString() : undefined)
              expect(gotSync[i] === undefined ? undefined : Buffer.from(gotSync[i]!).toString()).toBe(model.has(id) ? Buffer.from(model.get(id)!).toString() : undefined)
              expect(present[i]).toBe(model.has(id))
            })
            const listed: string[] = []
            for await (const id of backend.objectIds()) listed.push(id)
            expect(listed.sort()).toEqual([...model.keys()].sort())
          }
        } finally {
          await backend.close()
        }
      }),
      {
        // A hundred runs: at 25 a data-loss bug here passed every CI run of a stop by luck of the seed.
        numRuns: 100,
        examples: [
          // Object 0 written, then bulk-loaded again (a pointer in o and one in the size index):
          // compaction moved one and removed the file the other still named.
          [
            [
              { kind: 'concurrent', put: [57, 0], del: [0] },
              { kind: 'bulk', objects: [57, 47, 0] },
              { kind: 'reopen' },
              { kind: 'delete', objects: [0] },
              { kind: 'delete', objects: [0] },
              { kind: 'delete', objects: [47, 0] },
              { kind: 'concurrent', put: [14], del: [0] },
            ],
          ],
        ],
      },
    )
  }, 120_000)

  it('a compaction copies the live records and deletes the file, and what it kept survives a reopen', async () => {
    const location = freshDir()
    const options = { valueLogMin: 0, valueLogFileBytes: 1 << 20, compactDeadBytes: 64 * 1024 }
    let backend = await openLevelBackend(location, options)
    const objects = Array.from({ length: 400 }, (_, n) => blob(n, 4000))
    await backend.putObjects(objects)
    const before = logBytes(location)
    expect(before).toBeGreaterThan(400 * 4000)
    const firstFiles = logFiles(location)
    // Delete three in four: the first files become mostly dead and are compacted.
    await backend.deleteObjects(objects.filter((_, n) => n % 4 !== 0).map(([id]) => id))
    await backend.close() // waits for the compactions
    expect(logBytes(location)).toBeLessThan(before / 2)
    expect(logFiles(location)).not.toEqual(firstFiles)
    backend = await openLevelBackend(location, options)
    const got = await backend.getObjects(objects.map(([id]) => id))
    got.forEach((bytes, n) => expect(bytes === undefined ? undefined : Buffer.from(bytes).toString()).toBe(n % 4 === 0 ? Buffer.from(objects[n]![1]).toString() : undefined))
    await backend.close()
  })

  it('a sync called while another is under way resolves only after it (the earlier one took the appends as its own)', async () => {
    const dir = dirname(freshDir()) // a temp directory of its own, removed with the others
    const log = ValueLog.open(dir, 1 << 20)
    log.append([blob(1, 1000), blob(2, 1000)])
    const order: string[] = []
    const first = log.sync().then(() => order.push('first'))
    const second = log.sync().then(() => order.push('second'))
    await Promise.all([first, second])
    expect(order).toEqual(['first', 'second'])
    log.close()
  })

  it('objects read keep their bytes when later reads reuse the read buffer (single, spans, large)', async () => {
    const location = freshDir()
    const backend = await openLevelBackend(location, { valueLogMin: 0 })
    const objects = [...Array.from({ length: 300 }, (_, n) => blob(n, 100 + n * 37)), blob(1000, 200_000), blob(1001, 40_000)]
    await backend.putObjects(objects)
    const ids = objects.map(([id]) => id)
    const first = await backend.getObjects(ids)
    const singles = ids.slice(0, 3).map(id => backend.getObjectsSync!([id])[0])
    // Other objects read since, in other orders, through the same buffer.
    await backend.getObjects([...ids].reverse())
    backend.getObjectsSync!(ids.slice(100, 104))
    first.forEach((bytes, i) => expect(Buffer.from(bytes!).equals(objects[i]![1])).toBe(true))
    singles.forEach((bytes, i) => expect(Buffer.from(bytes!).equals(objects[i]![1])).toBe(true))
    await backend.close()
  })

  it('a torn value log reads as a corrupt object, not as other bytes', async () => {
    const location = freshDir()
    let backend = await openLevelBackend(location, { valueLogMin: 0 })
    const objects = [blob(1, 1000), blob(2, 1000)]
    await backend.putObjects(objects)
    await backend.close()
    const file = join(location, 'values', logFiles(location)[0]!)
    truncateSync(file, statSync(file).size - 10)
    backend = await openLevelBackend(location, { valueLogMin: 0 })
    expect(Buffer.from((await backend.getObjects([objects[0]![0]]))[0]!).toString()).toBe(Buffer.from(objects[0]![1]).toString())
    await expect(backend.getObjects([objects[1]![0]])).rejects.toMatchObject({ code: 'ECORRUPT' })
    expect(() => backend.getObjectsSync!([objects[1]![0]])).toThrow(/torn/)
    // A batch (read through LevelDB's thread pool, then the log in merged spans) refuses it too.
    const absent = [blob(3, 10), blob(4, 10), blob(5, 10)].map(([id]) => id)
    await expect(backend.getObjects([objects[0]![0], objects[1]![0], ...absent])).rejects.toMatchObject({ code: 'ECORRUPT' })
    expect((await backend.getObjects([objects[0]![0], ...absent, objects[0]![0]])).map(bytes => bytes?.length)).toEqual([objects[0]![1].length, undefined, undefined, undefined, objects[0]![1].length])
    await backend.close()
  })
})
