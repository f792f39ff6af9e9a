/**
 * `irmin --backend git` stores are real git repositories: git shows what irmin wrote (history,
 * values, branches, and `git fsck` finds nothing wrong), and irmin shows what git wrote, with
 * `log --graph` drawing a history with merges exactly as `git log --graph` does.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { git, gitStatus, removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)

const dir = tempDir('irmin-cli-git-')
const root = join(dir, 'store.git')
const run = async (args: string[]) => {
  const result = await irmin(['--root', root, ...args])
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return result.stdout
}
afterAll(() => removeDir(dir))

describe('git reads what irmin writes', () => {
  beforeAll(async () => {
    await run(['--backend', 'git', 'init'])
    await run(['set', 'a/b', 'first value', '-m', 'add a/b', '--author', 'Ada <ada@example.org>'])
    await run(['set', 'a/c', 'another', '-m', 'add a/c', '--author', 'Grace <grace@example.org>'])
    await run(['set', 'a/b', 'second value', '-m', 'change a/b'])
    await run(['branch', 'create', 'topic'])
    await run(['--branch', 'topic', 'set', 'x/y/z', 'deep', '-m', 'deep on topic'])
  })

  it('git log shows the same history', async () => {
    const ours = JSON.parse(await run(['--json', 'log'])) as Array<{ id: string; author: string; message: string }>
    const theirs = git(root, ['log', '--format=%H|%an <%ae>|%s']).trimEnd().split('\n')
    expect(theirs).toEqual(ours.map(c => `${c.id}|${c.author}|${c.message}`))
    expect(theirs.map(line => line.split('|')[2])).toEqual(['change a/b', 'add a/c', 'add a/b'])
  })

  it('git show HEAD:PATH shows the values', async () => {
    expect(git(root, ['show', 'HEAD:a/b'])).toBe('second value')
    expect(git(root, ['show', 'HEAD~2:a/b'])).toBe('first value')
    expect(git(root, ['show', 'topic:x/y/z'])).toBe('deep')
    expect(git(root, ['ls-tree', '-r', '--name-only', 'topic']).trimEnd().split('\n')).toEqual(['a/b', 'a/c', 'x/y/z'])
  })

  it('git sees the branches, and git fsck finds nothing wrong', async () => {
    expect(git(root, ['for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/heads/']).trimEnd().split('\n')).toEqual([
      `main ${(await run(['snapshot'])).trim()}`,
      `topic ${(await run(['--branch', 'topic', 'snapshot'])).trim()}`,
    ])
    git(root, ['fsck', '--strict', '--no-dangling'])
  })
})

describe('irmin reads what git writes', () => {
  const work = join(dir, 'work')
  let tick = 0
  const commit = (what: string) => {
    const date = { GIT_AUTHOR_DATE: `@${2_000_000_000 + ++tick} +0000`, GIT_COMMITTER_DATE: `@${2_000_000_000 + tick} +0000` }
    git(work, ['commit', '-q', '--allow-empty', '-m', what], undefined, date)
  }
  const merge = (branch: string) => {
    const date = { GIT_AUTHOR_DATE: `@${2_000_000_000 + ++tick} +0000`, GIT_COMMITTER_DATE: `@${2_000_000_000 + tick} +0000` }
    git(work, ['merge', '-q', '--no-ff', '-m', `merge ${branch}`, branch], undefined, date)
  }

  beforeAll(() => {
    git(dir, ['clone', '-q', root, work])
    git(work, ['checkout', '-q', 'main'])
    commit('one')
    git(work, ['checkout', '-q', '-b', 'f1'])
    commit('f1a')
    git(work, ['checkout', '-q', 'main'])
    commit('two')
    git(work, ['checkout', '-q', '-b', 'f2'])
    commit('f2a')
    git(work, ['checkout', '-q', 'f1'])
    commit('f1b')
    git(work, ['checkout', '-q', 'main'])
    merge('f1')
    commit('three')
    git(work, ['checkout', '-q', 'f2'])
    commit('f2b')
    git(work, ['checkout', '-q', 'main'])
    merge('f2')
    git(work, ['rm', '-q', 'a/c'])
    commit('four')
    git(work, ['push', '-q', 'origin', 'main', 'f1', 'f2'])
  })

  it('get, list and diff see git commits', async () => {
    expect(await run(['get', 'a/b'])).toBe('second value\n')
    expect(await run(['list', 'a'])).toBe('b\n')
    expect(await run(['diff', '--oneline', git(root, ['rev-parse', 'main~1']).trim(), 'main'])).toBe('- a/c another\n')
  })

  it('log --graph draws the history with its merges as git log --graph does', async () => {
    // Compared down to git's first commit: the commits irmin made before share their dates.
    const theirs = git(root, ['log', '--graph', '--date-order', '--format=%s', '--all'])
      .split('\n')
      .map(line => line.trimEnd())
    const ours = (await run(['log', '--all', '--graph', '--oneline']))
      .split('\n')
      .map(line => line.replace(/[0-9a-f]{7} (\([^)]*\) )?/, ''))
    const end = theirs.indexOf('* one') + 1
    expect(end).toBe(15)
    expect(ours.slice(0, end)).toEqual(theirs.slice(0, end))
  })
})

describe('irmin gc on a repository git has gc-ed', () => {
  const store = join(dir, 'gced.git')
  const inStore = (args: string[]) => irmin(['--root', store, ...args])

  it('git fsck --strict and git rev-list --all still work: the commit-graph, multi-pack index and bitmaps go', async () => {
    expect((await inStore(['--backend', 'git', 'init'])).status).toBe(0)
    for (let i = 0; i < 8; i++) expect((await inStore(['set', `k${i % 3}`, `value ${i}`, '-m', `change ${i}`])).status).toBe(0)
    expect((await inStore(['branch', 'create', 'side'])).status).toBe(0)
    expect((await inStore(['--branch', 'side', 'set', 'side', 'only here'])).status).toBe(0)
    // git's own maintenance writes everything that names commits besides the packs.
    git(store, ['-c', 'gc.writeCommitGraph=true', 'gc', '--quiet', '--prune=now'])
    git(store, ['commit-graph', 'write', '--reachable', '--split'])
    git(store, ['repack', '-a', '-d', '-q', '--write-bitmap-index', '--write-midx'])
    const info = join(store, 'objects', 'info')
    expect(existsSync(join(info, 'commit-graph')) || existsSync(join(info, 'commit-graphs'))).toBe(true)
    expect(readdirSync(join(store, 'objects', 'pack')).some(name => name.startsWith('multi-pack-index'))).toBe(true)

    const gc = await inStore(['--json', 'gc', '--keep-commits', '2', '--prune-expire', 'now'])
    expect(gc.status, gc.stderr).toBe(0)
    expect(JSON.parse(gc.stdout).removed).toBeGreaterThan(0)
    const fsck = gitStatus(store, ['fsck', '--strict', '--no-dangling'])
    expect(fsck.status, fsck.stderr).toBe(0)
    const revList = gitStatus(store, ['rev-list', '--all'])
    expect(revList.status, revList.stderr).toBe(0)
    const ours = JSON.parse((await inStore(['--json', 'log', '--all'])).stdout) as Array<{ id: string }>
    expect(revList.stdout.trim().split('\n').sort()).toEqual(ours.map(c => c.id).sort())
    expect(git(store, ['log', '--format=%s', 'main'])).toBe('change 7\nchange 6\n')
    expect((await inStore(['fsck'])).status).toBe(0)
  })
})
