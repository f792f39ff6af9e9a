/**
 * The CLI on a PostgreSQL store: `init --backend postgres --url` remembers the database at
 * --root (later commands need no flags); bad URLs and refused logins are one-line typed errors
 * that leave nothing behind; two `irmin serve` processes on one database accept pushes and
 * writes at once, lose no acknowledged commit, and a watcher on one hears the other's moves
 * within a second; a server whose database goes away answers 503 with the typed error, keeps
 * serving, and serves the store again once the database is back.
 */
import { statSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openPostgresBackend, Repo } from '../../index.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'
import { freshDatabase, testCluster } from '../helpers/postgres.js'
import { freePort, PostgresCluster } from '../../tools/postgres-cluster.js'

const TOKEN = 'pg-token'
const dir = tempDir('irmin-cli-pg-')
const servers: RunningIrmin[] = []

async function ok(args: string[], env?: Record<string, string>): Promise<string> {
  const result = await irmin(args, env ? { env } : {})
  if (result.status !== 0) throw new Error(`irmin ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  return result.stdout
}

async function serve(root: string, extra: string[] = []): Promise<string> {
  const server = startIrmin(['--root', root, '--json', 'serve', '--port', '0', '--token', TOKEN, ...extra])
  servers.push(server)
  return JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url
}

beforeAll(async () => {
  await Promise.all([ensureBuilt(), testCluster()])
}, 180_000)

afterAll(async () => {
  await Promise.all(servers.map(s => s.stop()))
  removeDir(dir)
})

describe('irmin on PostgreSQL', () => {
  it('init --backend postgres --url remembers the database at --root; later commands need no flags', async () => {
    const url = await freshDatabase()
    const root = join(dir, 'plain')
    expect(await ok(['--root', root, 'init', '--backend', 'postgres', '--url', url])).toContain('created a postgres store')
    expect(statSync(join(root, 'postgres.json')).mode & 0o777).toBe(0o600)
    await ok(['--root', root, 'set', 'a/b', 'hello'])
    expect((await ok(['--root', root, 'get', 'a/b'])).trim()).toBe('hello')
    // A second root on the same database, from $IRMIN_DATABASE_URL, sees the same store.
    const other = join(dir, 'plain-env')
    await ok(['--root', other, 'init', '--backend', 'postgres'], { IRMIN_DATABASE_URL: url })
    expect((await ok(['--root', other, 'get', 'a/b'])).trim()).toBe('hello')
    expect(await ok(['--root', root, 'init'])).toContain('already holds a postgres store')
  })

  it('a missing or malformed URL, a refused password, an unreachable server, a missing database: one line each, nothing remembered', async () => {
    const cluster = await testCluster()
    const cases: Array<[string[], RegExp, number]> = [
      [[], /needs the database: --url postgres:\/\//, 2],
      [['--url', 'http://example.org/db'], /must be a postgres:\/\/ URL/, 2],
      [['--url', cluster.url('postgres', 'wrong-password')], /PostgreSQL refused the login to postgres:\/\/irmin:\*\*\*@/, 1],
      [['--url', `postgres://irmin:x@127.0.0.1:${await freePort()}/db`], /PostgreSQL database .* is unavailable: .*ECONNREFUSED/, 1],
      [['--url', cluster.url('no_such_database')], /unavailable: database "no_such_database" does not exist/, 1],
    ]
    for (const [i, [args, message, status]] of cases.entries()) {
      const root = join(dir, `bad-${i}`)
      const result = await irmin(['--root', root, 'init', '--backend', 'postgres', ...args], { env: { IRMIN_DATABASE_URL: '' } })
      expect(result.stderr.trim().split('\n'), `case ${i}`).toHaveLength(1)
      expect(result.stderr, `case ${i}`).toMatch(message)
      expect(result.stderr).not.toContain('wrong-password')
      expect(result.status, `case ${i}: ${result.stderr}`).toBe(status)
      expect(existsSync(join(root, 'postgres.json')), `case ${i}`).toBe(false)
    }
  })

  it('two irmin serve processes on one database: concurrent pushes and writes lose nothing; a watcher on one hears the other within 1 s', async () => {
    const url = await freshDatabase()
    const [a, b] = [join(dir, 'serve-a'), join(dir, 'serve-b')]
    await ok(['--root', a, 'init', '--backend', 'postgres', '--url', url])
    await ok(['--root', b, 'init', '--backend', 'postgres', '--url', url])
    await ok(['--root', a, 'set', 'seed', 'x'])
    const [first, second] = await Promise.all([serve(a), serve(b)])
    const events = await subscribe(first)

    // Clients push (merging on the server when they raced) to either server while both stores are written directly.
    const client = async (i: number): Promise<string[]> => {
      const server = i % 2 === 0 ? first : second
      const root = join(dir, `client-${i}`)
      await ok(['clone', server, root])
      const pushed: string[] = []
      for (let round = 0; round < 2; round++) {
        await ok(['--root', root, 'set', `c${i}/r${round}`, `${i}.${round}`])
        pushed.push(JSON.parse(await ok(['--root', root, '--json', 'push', '--merge', '--token', TOKEN])).new)
      }
      return pushed
    }
    const direct = async (root: string, tag: string): Promise<string[]> => {
      const written: string[] = []
      for (let n = 0; n < 3; n++) written.push(JSON.parse(await ok(['--root', root, '--json', 'set', `${tag}/${n}`, `${n}`])).commit)
      return written
    }
    const acknowledged = (await Promise.all([client(0), client(1), client(2), client(3), direct(a, 'da'), direct(b, 'db')])).flat()
    expect(acknowledged).toHaveLength(14)

    // Every acknowledged commit is in the final history.
    const repo = await Repo.open({ backend: await openPostgresBackend(url), contents: Contents.string })
    const history = new Set<string>()
    for await (const commit of repo.branch('main').history()) history.add(commit.id)
    expect(acknowledged.filter(id => !history.has(id))).toEqual([])
    expect(await repo.branch('main').get(['db', '2'])).toBe('2')
    expect((await repo.fsck()).damage).toEqual([])

    // A write through the second server's store reaches the first server's event stream within a second.
    const seen = events.seen.length
    const moved = JSON.parse(await ok(['--root', b, '--json', 'set', 'late', 'y'])).commit
    const acked = Date.now()
    while (!events.seen.slice(seen).some(e => e.id === moved) && Date.now() - acked < 1000) await new Promise(resolve => setTimeout(resolve, 5))
    expect(events.seen.slice(seen).map(e => e.id)).toContain(moved)
    expect(Date.now() - acked).toBeLessThan(1000)
    events.stop()
    await repo.close()
  }, 240_000)
})

describe('irmin serve when its database goes away', () => {
  it('answers 503 with the typed error while the database is down, and serves again once it is back', async () => {
    // Durable: the crash below must not take the acknowledged write with it (without
    // synchronous_commit a commit made just before the crash can be lost, as it was once here).
    const cluster = await PostgresCluster.start()
    try {
      const root = join(dir, 'outage')
      await ok(['--root', root, 'init', '--backend', 'postgres', '--url', cluster.createDatabase('outage')])
      await ok(['--root', root, 'set', 'a', 'before'])
      const server = await serve(root)
      expect(await (await fetch(`${server}api/value/main/a?raw`)).text()).toBe('before')
      cluster.crash()
      for (const route of ['api/value/main/a', 'api/branches', 'sync/v1/refs']) {
        const reply = await fetch(`${server}${route}`)
        expect(reply.status, route).toBe(503)
        expect(['EDBLOST', 'EDBUNAVAILABLE'], route).toContain(((await reply.json()) as { code: string }).code)
      }
      cluster.restart()
      const deadline = Date.now() + 15_000
      let reply = await fetch(`${server}api/value/main/a?raw`)
      while (reply.status !== 200 && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 100))
        reply = await fetch(`${server}api/value/main/a?raw`)
      }
      expect(await reply.text()).toBe('before')
    } finally {
      cluster.stopSync()
    }
  }, 120_000)
})

/** Reads a server's ref events (server-sent events) as they come. */
async function subscribe(server: string): Promise<{ seen: Array<{ ref: string; id: string | null }>; stop(): void }> {
  const controller = new AbortController()
  const response = await fetch(`${server}sync/v1/events`, { signal: controller.signal })
  const seen: Array<{ ref: string; id: string | null }> = []
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buffer += value
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = event.split('\n').find(line => line.startsWith('data: '))
          if (event.includes('event: ref') && data) seen.push(JSON.parse(data.slice(6)))
        }
      }
    } catch {
      // aborted
    }
  })()
  return { seen, stop: () => controller.abort() }
}
