/**
 * Bad command lines for the sync commands: each is refused at once with exit status 2 and one
 * line saying what is wrong, and changes nothing (no server is needed to find these out).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin } from '../helpers/irmin-cli.js'

const dir = tempDir('irmin-sync-usage-')
const root = join(dir, 'store')
const ID = 'a'.repeat(40)

beforeAll(async () => {
  await ensureBuilt()
  expect((await irmin(['--root', root, 'init'])).status).toBe(0)
}, 120_000)
afterAll(() => removeDir(dir))

async function refused(args: string[], message: RegExp): Promise<void> {
  const result = await irmin(args)
  expect(result.status, args.join(' ')).toBe(2)
  expect(result.stdout).toBe('')
  expect(result.stderr).toMatch(message)
  expect(result.stderr.trim().split('\n')).toHaveLength(1)
}

describe('sync commands refuse bad command lines', () => {
  it('clone: not a URL, a non-empty target, a bad depth, an empty token', async () => {
    await refused(['clone', 'not-a-url', join(dir, 'c1')], /http:\/\/ or https:\/\//)
    const full = join(dir, 'full')
    mkdirSync(full)
    writeFileSync(join(full, 'keep'), 'mine')
    await refused(['clone', 'http://127.0.0.1:9/', full], /not empty/)
    expect(readdirSync(full)).toEqual(['keep'])
    await refused(['clone', '--depth', '0', 'http://127.0.0.1:9/', join(dir, 'c2')], /depth/)
    await refused(['clone', '--depth', 'many', 'http://127.0.0.1:9/', join(dir, 'c3')], /depth/)
    await refused(['clone', '--token', '', 'http://127.0.0.1:9/', join(dir, 'c4')], /token/)
  })

  it('remote: unknown actions, a URL that is not http, wrong argument counts', async () => {
    await refused(['--root', root, 'remote', 'rename', 'a', 'b'], /usage: irmin remote/)
    await refused(['--root', root, 'remote', 'add', 'origin', 'ftp://example.org/'], /http:\/\/ or https:\/\//)
    await refused(['--root', root, 'remote', 'add', 'origin'], /usage: irmin remote/)
    expect((await irmin(['--root', root, '--json', 'remote', 'list'])).stdout.trim()).toBe('[]')
  })

  it('push and pull: --merge with --force, a lease without --force or not an id, bad branch names', async () => {
    await refused(['--root', root, 'push', '--merge', '--force'], /exclude each other/)
    await refused(['--root', root, 'push', '--lease', ID], /--lease/)
    await refused(['--root', root, 'push', '--force', '--lease', 'abc'], /--lease/)
    await refused(['--root', root, 'push', 'origin', 'bad..name'], /branch/)
    await refused(['--root', root, 'pull', 'origin', 'main', '--from', 'bad..name'], /branch/)
  })
})
