/**
 * receive-pack with the native git CLI: `git push` lands commits the store's history shows, a
 * forced push moves a branch, an unforced non-fast-forward is refused, a push without (or with a
 * wrong) token is refused with the store unchanged, deletes and tags, atomic multi-ref pushes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Repo } from '../../index.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { bytes, closeServers, makeHistory, openRepo } from '../sync/helpers.js'
import { gitOk, gitRun, gitUrl } from './helpers.js'

const TOKEN = 's3cret'

describe('git receive-pack into irmin serve', () => {
  let repo: Repo<Uint8Array>
  let url: string
  let authed: string
  let work: string
  let dir: string

  const head = (branch = 'main') => repo.backend.getRef(`refs/heads/${branch}`)
  const commitFile = async (name: string, text: string, message: string) => {
    writeFileSync(join(dir, name), text)
    await gitOk(dir, ['add', name])
    await gitOk(dir, ['commit', '-q', '-m', message])
    return (await gitOk(dir, ['rev-parse', 'HEAD'])).trim()
  }

  beforeAll(async () => {
    repo = await openRepo()
    await makeHistory(repo, 5)
    const served = await gitUrl(repo, { write: TOKEN })
    url = served.url
    authed = served.withToken(TOKEN)
    work = tempDir()
    await gitOk(work, ['clone', '-q', url, 'clone']) // reads need no token here
    dir = join(work, 'clone')
    await gitOk(dir, ['remote', 'set-url', '--push', 'origin', authed])
  })
  afterAll(async () => {
    await closeServers()
    removeDir(work)
  })

  it('git push lands a commit that the store history shows', async () => {
    const id = await commitFile('pushed.txt', 'from git\n', 'pushed by git')
    await gitOk(dir, ['push', '-q', 'origin', 'main'])
    expect(await head()).toBe(id)
    const latest = (await repo.branch('main').history().next()).value
    expect(latest?.message.trim()).toBe('pushed by git')
    expect(new TextDecoder().decode(await repo.branch('main').get(['pushed.txt']))).toBe('from git\n')
    expect((await repo.fsck()).damage).toEqual([])
  })

  it('refuses a push without the token, or with a wrong one (401, git asks and gives up), store unchanged', async () => {
    const before = await head()
    await commitFile('nope.txt', 'x', 'not allowed')
    for (const target of [url, authed.replace(TOKEN, 'wrong')]) {
      const result = await gitRun(dir, ['push', target, 'main'])
      expect(result.code).not.toBe(0)
      expect(result.stderr).toMatch(/Authentication failed|could not read Username|401/)
      expect(await head()).toBe(before)
    }
    const reply = await fetch(`${url}/info/refs?service=git-receive-pack`)
    expect(reply.status).toBe(401)
    expect(reply.headers.get('www-authenticate')).toMatch(/^Basic/)
    await gitOk(dir, ['reset', '-q', '--hard', 'origin/main'])
  })

  it('refuses an unforced non-fast-forward; a forced push moves the branch', async () => {
    await gitOk(dir, ['fetch', '-q', 'origin'])
    await gitOk(dir, ['reset', '-q', '--hard', 'origin/main~1'])
    const rewritten = await commitFile('other.txt', 'rewritten\n', 'rewritten history')
    const before = await head()
    const refused = await gitRun(dir, ['push', 'origin', 'main'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/rejected|non-fast-forward|fetch first/)
    expect(await head()).toBe(before)
    await gitOk(dir, ['push', '-q', '--force', 'origin', 'main'])
    expect(await head()).toBe(rewritten)
    expect((await repo.fsck()).damage).toEqual([])
  })

  it('refuses a forced push whose lease is stale (the ref moved on the server meanwhile)', async () => {
    await repo.branch('main').set(['server-side'], bytes('moved by another writer'))
    const moved = await head()
    await commitFile('late.txt', 'late\n', 'late push')
    // The lease names what this clone last saw, not what the server has now.
    const result = await gitRun(dir, ['push', '--force-with-lease=main:origin/main', 'origin', 'main'])
    expect(result.code).not.toBe(0)
    expect(await head()).toBe(moved)
    await gitOk(dir, ['fetch', '-q', 'origin'])
    await gitOk(dir, ['reset', '-q', '--hard', 'origin/main'])
  })

  it('creates and deletes branches and lightweight tags', async () => {
    await gitOk(dir, ['push', '-q', 'origin', 'main:refs/heads/topic', 'main:refs/tags/v1'])
    const main = await head()
    expect(await head('topic')).toBe(main)
    expect(await repo.backend.getRef('refs/tags/v1')).toBe(main)
    await gitOk(dir, ['push', '-q', 'origin', ':refs/heads/topic'])
    expect(await head('topic')).toBeUndefined()
  })

  it('an empty store: git clone warns it is empty, and a first push creates main', async () => {
    const empty = await openRepo()
    const served = await gitUrl(empty)
    const result = await gitRun(work, ['clone', served.url, 'empty'])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/cloned an empty repository/)
    const emptyDir = join(work, 'empty')
    writeFileSync(join(emptyDir, 'first'), 'first\n')
    await gitOk(emptyDir, ['add', 'first'])
    await gitOk(emptyDir, ['commit', '-q', '-m', 'first'])
    await gitOk(emptyDir, ['push', '-q', 'origin', 'HEAD:refs/heads/main'])
    expect(await empty.backend.getRef('refs/heads/main')).toBe((await gitOk(emptyDir, ['rev-parse', 'HEAD'])).trim())
    expect((await empty.fsck()).damage).toEqual([])
  })

  it('an atomic push moves every ref or none', async () => {
    const id = await commitFile('atomic.txt', 'a\n', 'atomic')
    const before = await head()
    // One command the server refuses (not a branch or tag): with --atomic, main does not move either.
    const refused = await gitRun(dir, ['push', '--atomic', 'origin', 'main', 'main:refs/notes/elsewhere'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/atomic push failed|only branches/)
    expect(await head()).toBe(before)
    expect(await repo.backend.getRef('refs/notes/elsewhere')).toBeUndefined()
    await gitOk(dir, ['push', '-q', '--atomic', 'origin', 'main', 'main:refs/heads/second'])
    expect(await head()).toBe(id)
    expect(await head('second')).toBe(id)
    expect((await repo.fsck()).damage).toEqual([])
  })
})
