/**
 * A read replica: a primary and a streaming replica (`pg_basebackup -R`, a hot standby), each
 * its own throwaway cluster. `irmin serve --read-only` on the replica serves what the primary
 * holds once the replica has caught up, including moves made after it was cloned; a push to
 * it, or a write through its store, is refused with an error naming the primary.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresCluster } from '../../tools/postgres-cluster.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, irminOk, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'
import '../helpers/postgres.js'

const TOKEN = 'replica-token'
const dir = tempDir('irmin-cli-replica-')
const servers: RunningIrmin[] = []
const clusters: PostgresCluster[] = []

const ok = (args: string[]) => irminOk(args)

async function serve(root: string, extra: string[] = []): Promise<string> {
  const server = startIrmin(['--root', root, '--json', 'serve', '--port', '0', '--token', TOKEN, ...extra])
  servers.push(server)
  return JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url
}

const refs = async (server: string) => ((await (await fetch(`${server}sync/v1/refs`)).json()) as { refs: Array<[string, string]> }).refs
const value = async (server: string, path: string) => (await fetch(`${server}api/value/main/${path}?raw`)).text()

beforeAll(async () => {
  await ensureBuilt()
}, 180_000)

afterAll(async () => {
  await Promise.all(servers.map(s => s.stop()))
  clusters.reverse().forEach(c => c.stopSync())
  removeDir(dir)
})

describe('a PostgreSQL read replica', () => {
  it('serves the same values as the primary after catching up, and refuses writes naming the primary', async () => {
    const primary = await PostgresCluster.start({ durable: false })
    clusters.push(primary)
    const url = primary.createDatabase('store')
    const [p, r] = [join(dir, 'primary'), join(dir, 'replica')]
    await ok(['--root', p, 'init', '--backend', 'postgres', '--url', url])
    for (let i = 0; i < 5; i++) await ok(['--root', p, 'set', `docs/d${i}`, `before ${i}`])
    const replica = await primary.startReplica()
    clusters.push(replica)
    await ok(['--root', r, 'init', '--backend', 'postgres', '--url', replica.url('store')])
    const [onPrimary, onReplica] = await Promise.all([serve(p), serve(r, ['--read-only'])])

    // Moves after the replica was cloned reach it by streaming replication.
    await ok(['--root', p, 'set', 'docs/d0', 'after'])
    await ok(['--root', p, 'branch', 'create', 'feature'])
    const deadline = Date.now() + 10_000
    while (JSON.stringify(await refs(onReplica)) !== JSON.stringify(await refs(onPrimary)) && Date.now() < deadline) await new Promise(res => setTimeout(res, 50))
    expect(await refs(onReplica)).toEqual(await refs(onPrimary))
    expect((await refs(onReplica)).map(([name]) => name)).toEqual(['refs/heads/feature', 'refs/heads/main'])
    for (const path of ['docs/d0', 'docs/d3']) expect(await value(onReplica, path)).toBe(await value(onPrimary, path))
    expect(await value(onReplica, 'docs/d0')).toBe('after')

    // A push to the replica's server is refused, naming the primary; so is a write through its store.
    const client = join(dir, 'client')
    await ok(['clone', onReplica, client])
    expect((await ok(['--root', client, 'get', 'docs/d0'])).trim()).toBe('after')
    await ok(['--root', client, 'set', 'docs/new', 'refused'])
    const push = await irmin(['--root', client, 'push', '--token', TOKEN])
    expect(push.status).not.toBe(0)
    expect(push.stderr).toContain(`read-only replica: writes go to the primary, postgres://127.0.0.1:${primary.port}`)
    const direct = await irmin(['--root', r, 'set', 'docs/x', 'y'])
    expect(direct.status).not.toBe(0)
    expect(direct.stderr.trim()).toBe(`read-only replica: writes go to the primary, postgres://127.0.0.1:${primary.port}`)
    expect(await refs(onReplica)).toEqual(await refs(onPrimary))
  }, 240_000)
})
