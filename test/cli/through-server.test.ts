/**
 * While `irmin serve` holds a LevelDB store, reads and `set`/`remove` work through the server
 * (a lazy clone in memory; writes pushed back as fast-forwards) instead of failing; a write the
 * server refuses (a --token server without $IRMIN_TOKEN) fails with its reason and changes
 * nothing; commands that need the store itself (gc) still say who holds it.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, newCliStore, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)
const dir = tempDir('irmin-through-server-')
const servers: RunningIrmin[] = []
afterAll(async () => {
  for (const server of servers) await server.stop()
  removeDir(dir)
})

async function served(name: string, extra: string[] = []) {
  const store = await newCliStore(join(dir, name), 'level')
  await store.ok(['set', 'a/b', 'hello', '-m', 'first'])
  const server = startIrmin(['--root', store.root, '--json', 'serve', '--port', '0', ...extra])
  servers.push(server)
  const url = JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url as string
  return { store, server, url }
}

describe('the CLI through a running irmin serve', () => {
  it('reads, and writes that land on the server', async () => {
    const { store, url } = await served('open')
    expect(await store.ok(['get', 'a/b'])).toBe('hello\n')
    expect(await store.ok(['list'])).toBe('a/\n')
    const id = (await store.ok(['set', 'a/c', 'world', '-m', 'through the server'])).trim()
    expect(id).toMatch(/^[0-9a-f]{40}$/)
    const branches = await (await fetch(new URL('/api/branches', url))).json()
    expect(branches).toEqual({ branches: [{ name: 'main', head: id }] })
    expect(await store.ok(['log', '--oneline'])).toBe(`${id.slice(0, 7)} (main) through the server\n${(await store.json(['log']))[1].id.slice(0, 7)} first\n`)
    expect(await store.ok(['tree'])).toBe('a/b ... hello\na/c ... world\n')
    expect(await store.ok(['show', '-s'])).toContain('    through the server')
    await store.ok(['remove', 'a/b'])
    expect(await store.ok(['tree'])).toBe('a/c ... world\n')
    expect(await store.run(['gc'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/^store .* is in use by irmin serve \(pid \d+, http/) })
  })

  it('a write the server refuses fails with its reason and changes nothing', async () => {
    const { store, url } = await served('guarded', ['--token', 'secret'])
    const head = (await (await fetch(new URL('/api/branches', url))).json()).branches[0].head
    const refused = await store.run(['set', 'a/b', 'changed'])
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(/token|unauthori[sz]ed/i)
    expect((await (await fetch(new URL('/api/branches', url))).json()).branches[0].head).toBe(head)
    const allowed = await irmin(['--root', store.root, 'set', 'a/b', 'changed'], { env: { IRMIN_TOKEN: 'secret' } })
    expect(allowed.status).toBe(0)
    expect((await (await fetch(new URL('/api/branches', url))).json()).branches[0].head).toBe(allowed.stdout.trim())
  })
})
