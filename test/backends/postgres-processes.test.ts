/**
 * The PostgreSQL backend shared by processes: ref moves made in other processes reach this
 * one's watchers within a second (LISTEN/NOTIFY), compare-and-swap loops in several processes
 * lose no increment, and the cross-process GC mechanisms (backends/postgres/gc.ts) do what the
 * argument there needs: a re-put freshens, the collector's deletions spare the young, replaced
 * ref values and pins are roots, one collector at a time.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { blobObject } from '../../backends/conformance.js'
import { openPostgresBackend } from '../../backends/postgres/index.js'
import { freshDatabase } from '../helpers/postgres.js'

const run = promisify(execFile)
const writer = (url: string, ...args: string[]) => run(process.execPath, ['--import', 'tsx', join(__dirname, '../helpers/postgres-ref-writer.ts'), url, ...args])
const counterId = (n: number) => createHash('sha1').update(`count ${n}`).digest('hex')
const ID_A = 'a'.repeat(40)
const ID_B = 'b'.repeat(40)

describe('PostgreSQL across processes', () => {
  it('a move made in another process reaches a watcher here within a second', async () => {
    const url = await freshDatabase()
    const backend = await openPostgresBackend(url)
    const seen: Array<[string, string | undefined, number]> = []
    backend.watchRefs((name, id) => seen.push([name, id, Date.now()]))
    await backend.watching()
    for (const [i, id] of [ID_A, ID_B].entries()) {
      const child = writer(url, 'set', 'refs/heads/remote', id)
      const started = Date.now()
      // The child's process start-up is not the watch's latency: time from its acknowledgement.
      const { stdout } = await child
      const acknowledged = Date.now()
      expect(stdout).toBe('done\n')
      while (seen.length <= i && Date.now() - acknowledged < 1000) await new Promise(resolve => setTimeout(resolve, 5))
      expect(seen[i]?.slice(0, 2), `move ${i} seen`).toEqual(['refs/heads/remote', id])
      expect(seen[i][2] - acknowledged).toBeLessThan(1000)
      expect(seen[i][2]).toBeGreaterThan(started)
    }
    await backend.close()
  })

  it('a watcher whose listening connection is killed hears the moves made meanwhile, and later ones', async () => {
    const url = await freshDatabase()
    const backend = await openPostgresBackend(url)
    const seen: Array<[string, string | undefined]> = []
    backend.watchRefs((name, id) => seen.push([name, id]))
    await backend.watching()
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    const listening = async () => Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`)).rows[0].n)
    expect(await listening()).toBe(1)
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`)
    // Moved at once, while nobody listens (the watch listens again after half a second): its
    // notification is lost, and the move is reported when the watch reads the refs on return.
    const other = await openPostgresBackend(url)
    await other.casRef('refs/heads/gap', undefined, ID_A)
    const deadline = Date.now() + 5000
    while (!seen.some(([name]) => name === 'refs/heads/gap') && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    expect(seen).toContainEqual(['refs/heads/gap', ID_A])
    expect(await listening()).toBe(1)
    await writer(url, 'set', 'refs/heads/gap', ID_B)
    const acknowledged = Date.now()
    while (!seen.some(([, id]) => id === ID_B) && Date.now() - acknowledged < 1000) await new Promise(resolve => setTimeout(resolve, 5))
    expect(seen).toContainEqual(['refs/heads/gap', ID_B])
    await Promise.all([backend.close(), other.close(), admin.end()])
  })

  it('compare-and-swap loops in four processes, which also create the schema at once, lose no increment', async () => {
    const url = await freshDatabase()
    await Promise.all(Array.from({ length: 4 }, () => writer(url, 'count', '25')))
    const backend = await openPostgresBackend(url)
    expect(await backend.getRef('refs/heads/counter')).toBe(counterId(100))
    await backend.close()
  })
})

describe('PostgreSQL GC mechanisms for writers elsewhere', () => {
  it('a re-put during a collection freshens the object, and the collection does not delete it', async () => {
    const backend = await openPostgresBackend(await freshDatabase())
    const [kept, gone] = [blobObject('re-put'), blobObject('garbage')]
    await backend.putObjects([kept, gone])
    await new Promise(resolve => setTimeout(resolve, 1100)) // older than a re-put's freshening slack
    const retained = await backend.retained(new Date())
    const deletions = backend.beginDeletions()
    await backend.putObjects([kept]) // another process re-creating it, after the sweep listed it as old
    await deletions.delete([kept[0], gone[0]])
    await deletions.finish()
    retained.release?.()
    expect(await backend.hasObjects([kept[0], gone[0]])).toEqual([true, false])
    await backend.close()
  })

  it('objects younger than the grace period are young and never deleted by a collection', async () => {
    const backend = await openPostgresBackend(await freshDatabase())
    const old = blobObject('old')
    await backend.putObjects([old])
    await new Promise(resolve => setTimeout(resolve, 300))
    const young = blobObject('young')
    await backend.putObjects([young])
    const retained = await backend.retained(new Date(Date.now() - 150))
    for await (const _ of backend.objectSizes()) {
      // the listing notes which objects are young
    }
    expect(retained.young([old[0], young[0]])).toEqual([false, true])
    const deletions = backend.beginDeletions()
    await deletions.delete([old[0], young[0]])
    retained.release?.()
    expect(await backend.hasObjects([old[0], young[0]])).toEqual([false, true])
    await backend.close()
  })

  it('values refs held within the grace period, and pins from any process, are roots', async () => {
    const url = await freshDatabase()
    const backend = await openPostgresBackend(url)
    const other = await openPostgresBackend(url)
    const before = new Date(Date.now() - 1000)
    await backend.casRef('refs/heads/main', undefined, ID_A)
    await backend.casRef('refs/heads/main', ID_A, ID_B)
    const pinned = blobObject('pinned')[0]
    const unpin = await other.pin([pinned])
    let retained = await backend.retained(before)
    expect([...retained.roots].sort()).toEqual([ID_A, pinned].sort())
    retained.release?.()
    await unpin()
    retained = await backend.retained(new Date(Date.now() + 1000))
    expect(retained.roots).toEqual([])
    retained.release?.()
    await Promise.all([backend.close(), other.close()])
  })

  it('one collector at a time: a second waits for the first to release', async () => {
    const url = await freshDatabase()
    const [a, b] = await Promise.all([openPostgresBackend(url), openPostgresBackend(url)])
    const first = await a.retained()
    let secondStarted = false
    const second = b.retained().then(r => ((secondStarted = true), r))
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(secondStarted).toBe(false)
    first.release?.()
    ;(await second).release?.()
    expect(secondStarted).toBe(true)
    await Promise.all([a.close(), b.close()])
  })
})
