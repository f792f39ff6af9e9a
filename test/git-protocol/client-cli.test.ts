/**
 * `irmin clone/fetch/pull/push` with a git URL, the real binary against native git http-backend:
 * the clone reads what `git show` / `git ls-tree -r` read (annotated tags as tag objects), pull
 * brings new commits, a push lands and `git fsck` passes, a non-fast-forward is refused unless
 * --force, --lazy is refused with one line.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openLevelBackend, Repo } from '../../index.js'
import { git, gitStatus, removeDir } from '../helpers/git.js'
import { gitObjects } from '../helpers/git-objects.js'
import { ensureBuilt, irmin, irminOk } from '../helpers/irmin-cli.js'
import { commitChanges, type GitServerFixture, gitServer } from './client-fixtures.js'

let fx: GitServerFixture
let dir: string

const ok = (args: string[]) => irminOk(args)

beforeAll(async () => {
  await ensureBuilt()
  fx = await gitServer(15)
  dir = join(fx.root, 'clone')
}, 180_000)
afterAll(async () => {
  await fx?.server.close()
  if (fx) removeDir(fx.root)
})

describe('irmin with a git URL (git http-backend)', () => {
  it('clone reads what git show and git ls-tree -r read, with tags as tag objects', async () => {
    const out = await ok(['clone', fx.url, dir])
    expect(out).toMatch(/cloned .* 2 branches, [\d,]+ objects/)
    for (const path of ['a.txt', 'dir/b.txt', 'dir/sub/c.txt']) {
      expect((await ok(['--root', dir, 'get', path])).trimEnd()).toBe(git(fx.bare, ['show', `main:${path}`]).trimEnd())
    }
    expect(await ok(['--root', dir, 'remote', 'list'])).toMatch(/^origin\t.*repo\.git\tgit$/m)
    const listed = JSON.parse(await ok(['--root', dir, '--json', 'list', 'dir'])) as unknown
    expect(JSON.stringify(listed)).toMatch(/sub/)
    const log = (await ok(['--root', dir, 'log'])).match(/^commit [0-9a-f]{40}/gm) ?? []
    expect(log.length).toBe(Number(git(fx.bare, ['rev-list', '--count', 'main']).trim()))
    // The store itself: every object git has, byte for byte; tags as git has them.
    const repo = await Repo.open({ backend: await openLevelBackend(dir), contents: Contents.bytes })
    try {
      const all = gitObjects(fx.bare)
      const ids = [...all.keys()]
      const ours = await repo.backend.getObjects(ids)
      expect(ids.filter((id, i) => !ours[i] || Buffer.compare(Buffer.from(ours[i]!), Buffer.from(all.get(id)!)) !== 0)).toEqual([])
      for (const ref of ['refs/tags/v1', 'refs/tags/light', 'refs/heads/side']) expect(await repo.backend.getRef(ref)).toBe(git(fx.bare, ['rev-parse', ref]).trim())
      const tree = git(fx.bare, ['ls-tree', '-r', 'main']).trim().split('\n').map((l) => l.split(/\s+/))
      for (const [, , id, path] of tree) expect((await repo.backend.hasObjects([id!]))[0], path).toBe(true)
      expect((await repo.fsck()).damage).toEqual([])
    } finally {
      await repo.close()
    }
  })

  it('pull brings new commits; fetch when nothing changed is up to date', async () => {
    commitChanges(fx.work, 200, 2)
    git(fx.work, ['push', '-q', 'origin', 'main'])
    const out = await ok(['--root', dir, 'pull'])
    expect(out).toMatch(/fast-forward: main is now at/)
    expect((await ok(['--root', dir, 'get', 'a.txt'])).trimEnd()).toBe(git(fx.bare, ['show', 'main:a.txt']).trimEnd())
    expect(await ok(['--root', dir, 'fetch'])).toMatch(/origin: up to date/)
  })

  it('push lands and git fsck passes; a non-fast-forward is refused unless --force', async () => {
    await ok(['--root', dir, 'set', 'from-irmin.txt', 'hello git'])
    expect(await ok(['--root', dir, 'push'])).toMatch(/pushed to origin main/)
    expect(git(fx.bare, ['show', 'main:from-irmin.txt'])).toBe('hello git')
    expect(gitStatus(fx.bare, ['fsck', '--strict']).status).toBe(0)
    // The server moves on without us.
    git(fx.work, ['pull', '-q', '--rebase', 'origin', 'main'])
    commitChanges(fx.work, 400, 1)
    git(fx.work, ['push', '-q', 'origin', 'main'])
    const theirs = git(fx.bare, ['rev-parse', 'main']).trim()
    await ok(['--root', dir, 'set', 'diverged.txt', 'ours'])
    const refused = await irmin(['--root', dir, 'push'])
    expect(refused.status).not.toBe(0)
    expect(refused.stderr).toMatch(/fast-forward/)
    expect(refused.stderr).not.toMatch(/\n\s+at /)
    expect(git(fx.bare, ['rev-parse', 'main']).trim()).toBe(theirs)
    await ok(['--root', dir, 'push', '--force'])
    expect(git(fx.bare, ['show', 'main:diverged.txt'])).toBe('ours')
    expect(gitStatus(fx.bare, ['fsck', '--strict']).status).toBe(0)
  })

  it('--lazy of a git URL is refused with one line', async () => {
    const result = await irmin(['clone', '--lazy', fx.url, join(fx.root, 'lazy')])
    expect(result.status).not.toBe(0)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(/git/)
  })
})
