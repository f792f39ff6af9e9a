/**
 * End to end between two real `irmin serve` processes on loopback, with the real `irmin` binary
 * as the client: a clone of the first server's store, served by the second; both
 * sides change; a fast-forward push is refused, so is a push without the write token; pull with
 * merge, push, and the first server's branch equals the second's (a pull across says up to date).
 * Git stores: served and written by other processes at the same time, as git repositories are.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, irminOk, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'

const dir = tempDir('irmin-cli-push-')
const a = join(dir, 'a')
const b = join(dir, 'b')
const servers: RunningIrmin[] = []

async function serve(root: string, ...extra: string[]): Promise<string> {
  const server = startIrmin(['--root', root, '--json', 'serve', '--port', '0', ...extra])
  servers.push(server)
  return JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url
}

const ok = (args: string[]) => irminOk(args)

beforeAll(async () => {
  await ensureBuilt()
}, 180_000)

afterAll(async () => {
  for (const server of servers) await server.stop()
  removeDir(dir)
})

async function remoteHead(url: string): Promise<string | undefined> {
  const { refs } = (await (await fetch(`${url}sync/v1/refs`)).json()) as { refs: Array<[string, string]> }
  return refs.find(([name]) => name === 'refs/heads/main')?.[1]
}

describe('irmin push and pull between two irmin serve processes', () => {
  it('clone, diverge, fast-forward and token refusals, pull with merge, push', { timeout: 120_000 }, async () => {
    await ok(['--root', a, '--backend', 'git', 'init'])
    await ok(['--root', a, 'set', 'shared', 'base'])
    const urlA = await serve(a, '--token', 'secret')
    await ok(['--backend', 'git', 'clone', urlA, b])
    const urlB = await serve(b)

    await ok(['--root', b, 'set', 'from-b', 'B'])
    // A push that would be a fast-forward, without the token: the server refuses it.
    const unauthorized = await irmin(['--root', b, 'push'])
    expect(unauthorized.status).toBe(1)
    expect(unauthorized.stderr).toMatch(/write token/)
    await ok(['--root', a, 'set', 'from-a', 'A'])
    const headA = await remoteHead(urlA)

    const refused = await irmin(['--root', b, 'push', 'origin', 'main', '--token', 'secret'])
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(/not a fast-forward/)
    expect(refused.stderr).not.toMatch(/\n\s+at /) // a message, not a stack
    expect(await remoteHead(urlA)).toBe(headA)

    const refusedPull = await irmin(['--root', b, 'pull'])
    expect(refusedPull.status).toBe(1)
    expect(refusedPull.stderr).toMatch(/not a fast-forward/)
    const merged = await ok(['--root', b, '--json', 'pull', 'origin', '--merge'])
    expect(JSON.parse(merged)).toMatchObject({ kind: 'merge' })
    const pushed = await ok(['--root', b, '--json', 'push', urlA, 'main', '--token', 'secret'])
    const result = JSON.parse(pushed)
    expect(result).toMatchObject({ ref: 'refs/heads/main', old: headA, merged: false })
    expect(result.objects).toBeGreaterThan(0)
    expect(await remoteHead(urlA)).toBe(result.new)
    expect(await remoteHead(urlB)).toBe(result.new)

    // The first store now holds both sides; pulling from the second server changes nothing.
    expect(await ok(['--root', a, 'get', 'from-b'])).toBe('B\n')
    const across = await ok(['--root', a, '--json', 'pull', urlB, 'main'])
    expect(JSON.parse(across)).toMatchObject({ kind: 'up-to-date', commit: result.new })
    await ok(['--root', a, 'fsck'])
    await ok(['--root', b, 'fsck'])
  })
})
