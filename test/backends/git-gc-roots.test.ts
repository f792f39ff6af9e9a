/**
 * Defect 3 of issue 9: GC on a repository git made keeps what git keeps. Annotated tags (a tag of
 * a tag of a commit, tags of a tree and a blob) keep what they tag; the reflogs keep every id
 * they name (a commit only HEAD's reflog still knows); the index keeps a staged blob that no
 * commit has; objects younger than the grace period stay. Afterwards `git fsck --strict` is
 * clean, and irminsule's fsck does not call a healthy tag "not-a-commit".
 */
import { readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Contents, openGitBackend, Repo } from '../../index.js'
import { git, gitStatus, removeDir, tempDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

function workTree(): string {
  const dir = tempDir('irmin-git-roots-')
  dirs.push(dir)
  git(dir, ['init', '-q', '-b', 'main'])
  git(dir, ['config', 'user.name', 'Ada'])
  git(dir, ['config', 'user.email', 'ada@example.org'])
  return dir
}

function commitFile(dir: string, name: string, text: string): string {
  writeFileSync(join(dir, name), text)
  git(dir, ['add', name])
  git(dir, ['commit', '-q', '-m', `${name}: ${text}`])
  return git(dir, ['rev-parse', 'HEAD']).trim()
}

const exists = (dir: string, id: string) => gitStatus(dir, ['cat-file', '-e', id]).status === 0

describe('GC on a repository git made', () => {
  it('keeps what tags, reflogs and the index name; git fsck --strict is clean', async () => {
    const dir = workTree()
    const tagged = commitFile(dir, 'a', 'one')
    git(dir, ['tag', '-a', 'v1', '-m', 'first release'])
    git(dir, ['tag', '-a', 'v1-signed-off', 'v1', '-m', 'a tag of a tag'])
    const taggedTree = git(dir, ['rev-parse', 'HEAD^{tree}']).trim()
    git(dir, ['tag', '-a', 'tree-tag', taggedTree, '-m', 'a tag of a tree'])
    const taggedBlob = git(dir, ['hash-object', '-w', '--stdin'], 'tagged blob').trim()
    git(dir, ['tag', '-a', 'blob-tag', taggedBlob, '-m', 'a tag of a blob'])
    for (let i = 2; i <= 6; i++) commitFile(dir, 'a', `version ${i}`)
    // A commit only HEAD's reflog still names: its branch is gone.
    git(dir, ['checkout', '-q', '-b', 'tmp'])
    const onlyInReflog = commitFile(dir, 'b', 'scratch work')
    git(dir, ['checkout', '-q', 'main'])
    git(dir, ['branch', '-q', '-D', 'tmp'])
    // Staged, never committed: only the index names it.
    writeFileSync(join(dir, 'staged'), 'staged only')
    git(dir, ['add', 'staged'])
    const staged = git(dir, ['rev-parse', ':staged']).trim()
    // Garbage git wrote, that nothing names: the grace period keeps it, then --prune=now drops it.
    const garbage = git(dir, ['hash-object', '-w', '--stdin'], 'nobody needs me').trim()

    const repo = await Repo.open({ backend: await openGitBackend(dir), contents: Contents.string })
    expect((await repo.fsck()).damage).toEqual([])
    const young = await repo.gc({ keepCommits: 1 })
    expect(young.removed).toBe(0)
    expect(young.keptYoung).toBeGreaterThan(0)
    const report = await repo.gc({ keepCommits: 1, pruneExpire: new Date() })
    expect(report.removed).toBeGreaterThan(0)
    expect(report.keptYoung).toBe(0)
    for (const id of [tagged, taggedTree, taggedBlob, onlyInReflog, staged]) expect(exists(dir, id), id).toBe(true)
    expect(exists(dir, garbage)).toBe(false)
    expect(git(dir, ['log', '--format=%H', '-1', 'v1-signed-off']).trim()).toBe(tagged)
    expect(git(dir, ['show', 'v1:a'])).toBe('one')
    const fsck = gitStatus(dir, ['fsck', '--strict', '--no-dangling'])
    expect(fsck.status, fsck.stderr).toBe(0)
    expect((await repo.fsck()).damage).toEqual([])
    expect(git(dir, ['status', '--porcelain'])).toBe('A  staged\n')
    await repo.close()
  })

  it('packed objects are as young as their pack: an old pack loses its garbage, a young one keeps it', async () => {
    const dir = workTree()
    commitFile(dir, 'a', 'kept')
    const repo = await Repo.open({ backend: await openGitBackend(dir), contents: Contents.string })
    await repo.branch('scratch').set(['junk'], 'garbage soon')
    const junk = (await repo.branch('scratch').headId())!
    await repo.deleteBranch('scratch')
    expect((await repo.gc()).keptYoung).toBeGreaterThan(0)
    expect(exists(dir, junk)).toBe(true)
    // Three weeks later (as far as the pack's mtime says), git's default grace period is over.
    const packDir = join(dir, '.git', 'objects', 'pack')
    const past = Date.now() / 1000 - 21 * 24 * 3600
    for (const name of readdirSync(packDir)) utimesSync(join(packDir, name), past, past)
    const report = await repo.gc()
    expect(report.removed).toBeGreaterThan(0)
    expect(report.keptYoung).toBe(0)
    expect(exists(dir, junk)).toBe(false)
    expect(gitStatus(dir, ['fsck', '--strict', '--no-dangling']).status).toBe(0)
    await repo.close()
  })

  it('a young object keeps what it reaches: a young commit whose tree sits in an old pack stays whole', async () => {
    const dir = workTree()
    commitFile(dir, 'a', 'kept')
    const repo = await Repo.open({ backend: await openGitBackend(dir), contents: Contents.string })
    // An old commit on a side branch, its tree and a shared directory in an old pack…
    const side = repo.branch('side')
    await side.set(['shared', 'big'], 'written long ago')
    const packDir = join(dir, '.git', 'objects', 'pack')
    const past = Date.now() / 1000 - 21 * 24 * 3600
    for (const name of readdirSync(packDir)) utimesSync(join(packDir, name), past, past)
    // …and a young commit on top that shares that directory (only its new objects are written).
    await side.set(['fresh'], 'written now')
    const young = (await side.headId())!
    await repo.deleteBranch('side')
    // A young commit keeps its history as a pin does, within the window: one commit here.
    const report = await repo.gc({ keepCommits: 1, pruneExpire: new Date(Date.now() - 3600_000) })
    expect(report.removed).toBeGreaterThan(0) // the old commit and its root tree go
    expect(report.keptYoung).toBeGreaterThan(0)
    // Present, so a branch can be made at it: everything it names must be there too.
    await repo.createBranch('back', young)
    expect(await repo.branch('back').get(['shared', 'big'])).toBe('written long ago')
    expect((await repo.fsck()).damage).toEqual([])
    expect(gitStatus(dir, ['fsck', '--strict', '--no-dangling']).status).toBe(0)
    await repo.close()
  })

  it('the grace period is a backend option: pruneExpireMs 0 is --prune=now', async () => {
    const dir = workTree()
    commitFile(dir, 'a', 'kept')
    const garbage = git(dir, ['hash-object', '-w', '--stdin'], 'nobody needs me').trim()
    const repo = await Repo.open({ backend: await openGitBackend(dir, { pruneExpireMs: 0 }), contents: Contents.string })
    expect(await repo.gc()).toMatchObject({ removed: 1, keptYoung: 0 })
    expect(exists(dir, garbage)).toBe(false)
    await repo.close()
  })
})
