/**
 * The scenario end to end, with real processes: `irmin serve --token` on a LevelDB store,
 * `git clone` of its `/git` URL, `git push` with the token as the password, then `irmin log`
 * (after the server stops: it owns the LevelDB store) shows the pushed commit and `irmin fsck`
 * is clean.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensureBuilt, newCliStore, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { gitOk, gitRun } from './helpers.js'

describe('irmin serve → git clone → git push → irmin log', () => {
  let dir: string
  let server: RunningIrmin | undefined
  beforeAll(async () => {
    await ensureBuilt()
    dir = tempDir()
  }, 180_000)
  afterAll(async () => {
    await server?.stop()
    removeDir(dir)
  })

  it('lands a pushed commit that irmin log shows', { timeout: 120_000 }, async () => {
    const store = await newCliStore(join(dir, 'store'), 'level')
    await store.ok(['set', 'readme', 'hello'])
    server = startIrmin(['--root', store.root, '--json', 'serve', '--port', '0', '--token', 'tok'])
    const url = `${JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url}git`
    await gitOk(dir, ['clone', '-q', url, 'work'])
    const work = join(dir, 'work')
    expect(await gitOk(work, ['show', 'HEAD:readme'])).toBe('hello')
    writeFileSync(join(work, 'from-git'), 'pushed\n')
    await gitOk(work, ['add', 'from-git'])
    await gitOk(work, ['commit', '-q', '-m', 'a commit from git'])
    const id = (await gitOk(work, ['rev-parse', 'HEAD'])).trim()
    const refused = await gitRun(work, ['push', 'origin', 'main'])
    expect(refused.code).not.toBe(0) // no token
    await gitOk(work, ['push', '-q', url.replace('http://', 'http://me:tok@'), 'main'])
    expect(await server.stop()).toBe(0)
    server = undefined
    const log = await store.ok(['log'])
    expect(log).toContain(id.slice(0, 7))
    expect(log).toContain('a commit from git')
    expect(await store.ok(['get', 'from-git'])).toMatch(/^pushed\n/)
    await store.ok(['fsck'])
  })
})
