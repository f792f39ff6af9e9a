/** irminsule pushing to native git http-backend (receive-pack): accepted, fsck-clean, fast-forward rule. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { NonFastForwardError, StaleRefError } from '../../sync/errors.js'
import { git, gitStatus, removeDir } from '../helpers/git.js'
import { commitChanges, type GitServerFixture, gitServer } from './client-fixtures.js'

let fx: GitServerFixture
beforeAll(async () => {
  fx = await gitServer(6)
})
afterAll(async () => {
  await fx?.server.close()
  removeDir(fx.root)
})

const enc = new TextEncoder()
const head = (ref: string) => git(fx.bare, ['rev-parse', ref]).trim()

describe('git client: push to git http-backend', () => {
  it('a new commit and a new branch are accepted; git reads them and git fsck passes', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    await repo.clone(fx.url)
    const main = repo.branch('main')
    await main.set(['pushed', 'file.txt'], enc.encode('from irminsule\n'))
    await main.set(['dir', 'b.txt'], enc.encode('replaced\n'))
    const ours = (await main.headId())!
    const outcome = await repo.push('origin', 'main')
    expect(outcome.new).toBe(ours)
    expect(outcome.objects).toBe(git(fx.bare, ['rev-list', '--objects', ours, `^${outcome.old}`]).split('\n').filter(Boolean).length)
    expect(head('main')).toBe(ours)
    expect(git(fx.bare, ['show', 'main:pushed/file.txt'])).toBe('from irminsule\n')
    expect(gitStatus(fx.bare, ['fsck', '--strict']).status).toBe(0)
    // A branch at a commit the server has: an empty pack.
    await repo.createBranch('copy', ours)
    const copy = await repo.push('origin', 'copy')
    expect(copy.objects).toBe(0)
    expect(head('copy')).toBe(ours)
    expect(await repo.backend.getRef('refs/remotes/origin/copy')).toBe(ours)
    await repo.close()
  })

  it('a non-fast-forward is refused, nothing moves there; --force moves it, with a lease only if it still holds', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    await repo.clone(fx.url)
    // Someone else pushes first.
    git(fx.work, ['pull', '-q', '--rebase', 'origin', 'main'])
    commitChanges(fx.work, 300, 1)
    git(fx.work, ['push', '-q', 'origin', 'main'])
    const theirs = head('main')
    await repo.branch('main').set(['mine.txt'], enc.encode('mine\n'))
    const ours = (await repo.branch('main').headId())!
    await expect(repo.push('origin', 'main')).rejects.toBeInstanceOf(NonFastForwardError)
    expect(head('main')).toBe(theirs)
    await expect(repo.push('origin', 'main', { mode: 'force', lease: ours })).rejects.toBeInstanceOf(StaleRefError)
    expect(head('main')).toBe(theirs)
    const forced = await repo.push('origin', 'main', { mode: 'force', lease: theirs })
    expect(forced.old).toBe(theirs)
    expect(head('main')).toBe(ours)
    expect(gitStatus(fx.bare, ['fsck', '--strict']).status).toBe(0)
    await repo.close()
  })
})
