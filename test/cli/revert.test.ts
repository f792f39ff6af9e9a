/**
 * `irmin revert` through the real binary: a commit named by its id, a prefix or a branch is
 * undone in a new commit on --branch, later changes staying; a revert that meets later changes
 * conflicts as a merge does; and a counter's increment is undone by the counter's merge rule.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { type CliStore, ensureBuilt, newCliStore } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)

const dir = tempDir('irmin-cli-revert-')
afterAll(() => removeDir(dir))
let stores = 0

/** A store with three commits on main: a=1, then b=2, then c=3 (their ids in that order). */
async function threeCommits(backend: 'level' | 'git'): Promise<CliStore & { commits: string[] }> {
  const store = await newCliStore(join(dir, `${backend}-${stores++}`), backend)
  const commits = []
  for (const [path, value] of [
    ['a', '1'],
    ['b', '2'],
    ['c', '3'],
  ]) {
    commits.push((await store.ok(['set', path, value])).trim())
  }
  return { ...store, commits }
}

describe.each(['level', 'git'] as const)('irmin revert on a %s store', backend => {
  it('undoes a commit named by its id in a new commit, keeping later changes', async () => {
    const store = await threeCommits(backend)
    const reverted = (await store.ok(['revert', store.commits[1]])).trim()
    expect(reverted).toMatch(/^[0-9a-f]{40}$/)
    expect(await store.ok(['tree'])).toBe('a ... 1\nc ... 3\n')
    const [head] = await store.json(['log', '-n', '1'])
    expect(head).toMatchObject({ id: reverted, parents: [store.commits[2]], message: `revert ${store.commits[1].slice(0, 12)}: set b` })
    // Undone already: nothing left to do, no commit.
    expect(await store.run(['revert', store.commits[1]])).toMatchObject({ status: 0, stdout: `${reverted}\n`, stderr: 'nothing changed: no commit made\n' })
  })

  it('takes a unique id prefix, and -m and --author for the commit', async () => {
    const store = await threeCommits(backend)
    expect(await store.json(['revert', store.commits[2].slice(0, 8), '-m', 'undo c', '--author', 'Ada <ada@example.org>'])).toEqual({
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      changed: true,
    })
    expect(await store.ok(['tree'])).toBe('a ... 1\nb ... 2\n')
    expect((await store.json(['log', '-n', '1']))[0]).toMatchObject({ message: 'undo c', author: 'Ada <ada@example.org>' })
  })

  it('takes a branch name: the commit at its head', async () => {
    const store = await threeCommits(backend)
    await store.ok(['branch', 'create', 'marker', store.commits[0]])
    await store.ok(['revert', 'marker'])
    expect(await store.ok(['tree'])).toBe('b ... 2\nc ... 3\n')
    expect(await store.ok(['--branch', 'marker', 'tree'])).toBe('a ... 1\n')
    expect(await store.run(['revert', 'nosuch'])).toMatchObject({ status: 1, stderr: 'not found: branch or commit nosuch\n' })
  })

  it('conflicts where a later commit changed the same path: listed, nothing changed, exit 1', async () => {
    const store = await threeCommits(backend)
    await store.ok(['set', 'b', 'changed later'])
    const before = await store.ok(['snapshot'])
    const failed = await store.run(['revert', store.commits[1]])
    expect(failed).toMatchObject({
      status: 1,
      stdout: '',
      stderr: [
        'conflict: b (delete-modify: deleted by theirs, changed by the other side)',
        `revert of ${store.commits[1]} stopped by 1 conflict, nothing changed (--conflicts ours, theirs, base or keep-both resolves them)`,
        '',
      ].join('\n'),
    })
    expect(await store.ok(['snapshot'])).toBe(before)
    const asJson = JSON.parse((await store.run(['--json', 'revert', store.commits[1]])).stderr)
    expect(asJson).toMatchObject({ code: 'ECONFLICT', conflicts: [{ path: 'b', kind: 'delete-modify', base: '2', ours: 'changed later' }] })
    expect(asJson.conflicts[0].theirs).toBeUndefined()
    await store.ok(['revert', store.commits[1], '--conflicts', 'theirs'])
    expect(await store.ok(['tree'])).toBe('a ... 1\nc ... 3\n')
  })
})

describe('revert with --contents counter', () => {
  it('takes back the increment the commit made, keeping the later ones', async () => {
    const store = await newCliStore(join(dir, `counter-${stores++}`), 'level')
    await store.ok(['--contents', 'counter', 'set', 'hits', '5'])
    const plusThree = (await store.ok(['--contents', 'counter', 'set', 'hits', '8'])).trim()
    await store.ok(['--contents', 'counter', 'set', 'hits', '10'])
    expect((await store.run(['--contents', 'bytes', 'revert', plusThree])).status).toBe(2)
    // The type recorded by the writes decides, without --contents.
    await store.ok(['revert', plusThree])
    expect(await store.ok(['--contents', 'counter', 'get', 'hits'])).toBe('7\n')
  })
})
