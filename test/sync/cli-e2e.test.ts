/**
 * End to end between real `irmin serve` processes on loopback: clone (full, lazy, path), fetch,
 * remotes, `watch URL` seeing a change within a second, and token refusal.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, irminOk, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'

let dir: string
let server: RunningIrmin
let url: string
const TOKEN = 'read-secret'
const env = { IRMIN_TOKEN: TOKEN }

const ok = (args: string[]) => irminOk(args, { env })


beforeAll(async () => {
  await ensureBuilt()
  dir = tempDir('irmin-sync-e2e-')
  const origin = join(dir, 'origin')
  // A git store: other processes may write to it while it is served (the server reads its refs again).
  await ok(['--root', origin, '--backend', 'git', 'init'])
  for (let i = 0; i < 5; i++) {
    await ok(['--root', origin, 'set', `docs/d${i}.txt`, `doc ${i}`])
    await ok(['--root', origin, 'set', `src/m${i}.ts`, `module ${i}`])
  }
  server = startIrmin(['--root', origin, '--json', 'serve', '--port', '0', '--read-token', TOKEN])
  url = JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url
}, 120_000)

afterAll(async () => {
  await server?.stop()
  if (dir) removeDir(dir)
})

describe('irmin clone / fetch / remote / watch against irmin serve', () => {
  it('refuses without the token, with a clear message', async () => {
    const result = await irmin(['clone', url, join(dir, 'refused')])
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/token/)
    expect(result.stderr).not.toMatch(/\n\s+at /) // a message, not a stack
  })

  it('a full clone, a lazy clone and a path clone read like the origin', async () => {
    const full = join(dir, 'full')
    const out = await ok(['clone', url, full])
    expect(out).toMatch(/cloned .* objects/)
    const origin = await ok(['--root', join(dir, 'origin'), 'get', 'docs/d3.txt'])
    expect(await ok(['--root', full, 'get', 'docs/d3.txt'])).toBe(origin)
    const lazy = join(dir, 'lazy')
    await ok(['clone', url, lazy, '--lazy'])
    for (const path of ['docs/d0.txt', 'docs/d4.txt', 'src/m2.ts']) {
      expect(await ok(['--root', lazy, 'get', path])).toBe(await ok(['--root', full, 'get', path]))
    }
    expect((await irmin(['--root', lazy, 'fsck'])).status).toBe(0)
    const path = join(dir, 'path')
    await ok(['clone', url, path, '--path', 'src'])
    expect(await ok(['--root', path, 'get', 'src/m1.ts'])).toBe(await ok(['--root', full, 'get', 'src/m1.ts']))
    const outside = await irmin(['--root', path, 'get', 'docs/d0.txt'], { env })
    expect(outside.status).not.toBe(0)
    expect(await ok(['--root', full, 'remote', 'list'])).toContain(`origin\t${url}`)
  })

  it('fetch brings a new commit into refs/remotes/origin/main; watch URL sees it within a second', async () => {
    const clone = join(dir, 'fetcher')
    await ok(['clone', url, clone])
    const noop = await ok(['--root', clone, 'fetch'])
    expect(noop).toMatch(/origin: up to date/)
    const watcher = startIrmin(['watch', url], { env })
    try {
      await watcher.waitForError(line => line.includes('watching'))
      await ok(['--root', join(dir, 'origin'), 'set', 'docs/new.txt', 'new'])
      // From the moment the commit has landed (the set process exited) to the watcher's line.
      const landed = Date.now()
      const line = await watcher.waitForLine(l => l.startsWith('* main '), 5000)
      expect(Date.now() - landed).toBeLessThan(1000)
      expect(line).toMatch(/^\* main [0-9a-f]{40}$/)
    } finally {
      await watcher.stop()
    }
    const fetched = await ok(['--root', clone, 'fetch'])
    // The commit, the root tree, docs/ and the new blob.
    expect(fetched).toMatch(/origin: 4 objects/)
    const tracking = JSON.parse(await ok(['--root', clone, '--json', 'fetch'])) as { branches: Array<{ branch: string; id: string }> }
    expect(tracking.branches.find(b => b.branch === 'main')?.id).toBe((await ok(['--root', join(dir, 'origin'), '--json', 'log', '-n', '1'])).match(/[0-9a-f]{40}/)?.[0])
  })
})
