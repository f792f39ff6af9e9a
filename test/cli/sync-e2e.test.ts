/**
 * Sync end to end between two real `irmin serve` processes on loopback, driven by the `irmin`
 * CLI as a user would: clone, diverge, pull with merge, push, fast-forward and token refusals,
 * a lazy clone that reads what a full clone reads, a path clone that holds only its subtree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, irminOk, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'

const TOKEN = 'e2e-token'
const dir = tempDir('irmin-sync-e2e-')
const servers: RunningIrmin[] = []

const ok = (args: string[]) => irminOk(args)

async function serve(root: string, extra: string[] = []): Promise<string> {
  const server = startIrmin(['--root', root, '--json', 'serve', '--port', '0', '--token', TOKEN, ...extra])
  servers.push(server)
  return JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url
}

async function remoteHead(url: string, branch = 'main'): Promise<string | undefined> {
  const reply = (await (await fetch(`${url}sync/v1/refs`)).json()) as { refs: Array<[string, string]> }
  return reply.refs.find(([name]) => name === `refs/heads/${branch}`)?.[1]
}

let first: string
let second: string

beforeAll(async () => {
  await ensureBuilt()
  const a = join(dir, 'a')
  await ok(['--root', a, 'init'])
  for (let i = 0; i < 20; i++) await ok(['--root', a, 'set', `docs/d${i % 4}/f${i}`, `value ${i}`])
  await ok(['--root', a, 'set', 'other/readme', 'outside the docs'])
  // The second server's store starts as a clone of the first's, on the git backend.
  first = await serve(a)
  await ok(['--root', join(dir, 'b'), '--backend', 'git', 'clone', first, join(dir, 'b')])
  second = await serve(join(dir, 'b'))
}, 120_000)

afterAll(async () => {
  await Promise.all(servers.map(s => s.stop()))
  removeDir(dir)
})

describe('two irmin serve processes', () => {
  it('clone, diverge on both servers, pull with merge, push: both servers converge', async () => {
    const c = join(dir, 'c')
    const d = join(dir, 'd')
    await ok(['clone', first, c])
    await ok(['clone', second, d])
    // Diverge: c changes one file and pushes to the first server; d changes another and pushes to the second.
    await ok(['--root', c, 'set', 'docs/d0/f0', 'changed on the first'])
    await ok(['--root', c, 'push', '--token', TOKEN])
    await ok(['--root', d, 'set', 'docs/d1/f1', 'changed on the second'])
    await ok(['--root', d, 'push', '--token', TOKEN])
    expect(await remoteHead(first)).not.toBe(await remoteHead(second))
    // c pulls the second server's work (a merge), and pushes the merge to both servers.
    await ok(['--root', c, 'remote', 'add', 'second', second])
    expect(await ok(['--root', c, 'pull', 'second', '--merge'])).toMatch(/merge/)
    await ok(['--root', c, 'push', '--token', TOKEN])
    await ok(['--root', c, 'push', 'second', '--token', TOKEN])
    const head = await remoteHead(first)
    expect(await remoteHead(second)).toBe(head)
    // Both changes are in the merged tree, as any fresh clone of either server reads it.
    for (const [server, name] of [[first, 'e1'], [second, 'e2']]) {
      await ok(['clone', server, join(dir, name)])
      expect(await ok(['--root', join(dir, name), 'get', 'docs/d0/f0'])).toBe('changed on the first\n')
      expect(await ok(['--root', join(dir, name), 'get', 'docs/d1/f1'])).toBe('changed on the second\n')
      await ok(['--root', join(dir, name), 'fsck'])
    }
    // d is now behind: its next push is not a fast-forward, and is refused; the server keeps its head.
    await ok(['--root', d, 'set', 'docs/d2/f2', 'stale writer'])
    const refused = await irmin(['--root', d, 'push', '--token', TOKEN])
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(/fast-forward/)
    expect(refused.stderr).not.toMatch(/\n\s+at /)
    expect(await remoteHead(second)).toBe(head)
  })

  it('refuses a push without the token, or with a wrong one, and moves nothing', async () => {
    const f = join(dir, 'f')
    await ok(['clone', first, f])
    await ok(['--root', f, 'set', 'docs/new', 'no token'])
    const before = await remoteHead(first)
    for (const extra of [[], ['--token', 'wrong']]) {
      const result = await irmin(['--root', f, 'push', ...extra])
      expect(result.status).toBe(1)
      expect(result.stderr).toMatch(/token/)
    }
    expect(await remoteHead(first)).toBe(before)
  })

  it('a lazy clone reads every path as a full clone does; a path clone holds only its subtree', async () => {
    const full = join(dir, 'full')
    const lazy = join(dir, 'lazy')
    const part = join(dir, 'part')
    await ok(['clone', first, full])
    const lazyOut = await ok(['clone', '--lazy', first, lazy])
    const fullOut = await ok(['clone', first, join(dir, 'full2')])
    const count = (text: string) => Number(/([\d,]+) objects?/.exec(text)![1].replace(/,/g, ''))
    expect(count(lazyOut)).toBeLessThan(count(fullOut))
    const listing = await ok(['--root', full, 'tree'])
    expect(await ok(['--root', lazy, 'tree'])).toBe(listing)
    const entries = JSON.parse(await ok(['--root', full, '--json', 'tree'])) as Array<{ path: string; value: string }>
    expect(entries.length).toBeGreaterThan(20)
    for (const { path, value } of entries.slice(0, 5)) expect(await ok(['--root', join(dir, 'full2'), 'get', path])).toBe(`${value}\n`)

    await ok(['clone', '--path', 'docs/d1', first, part])
    expect(await ok(['--root', part, 'tree', 'docs/d1'])).toBe(await ok(['--root', full, 'tree', 'docs/d1']))
    const outside = await irmin(['--root', part, 'get', 'other/readme'])
    expect(outside.status).toBe(1)
    expect(outside.stderr).toMatch(/missing object/)
    expect(await ok(['--root', part, 'get', 'docs/d1/f1'])).toBe(await ok(['--root', full, 'get', 'docs/d1/f1']))
  })
})
