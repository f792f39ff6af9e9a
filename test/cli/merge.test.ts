/**
 * `irmin merge` through the real binary: fast-forwards, merge commits, --no-ff, conflicts (listed,
 * nothing changed, exit 1) and each way of resolving them, on a LevelDB and a git store; then the
 * merge rules of the --contents types (counter, json, set, log, lww, multiset), where a bytes
 * merge would conflict.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { type CliStore, ensureBuilt, newCliStore } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)

const dir = tempDir('irmin-cli-merge-')
afterAll(() => removeDir(dir))
let stores = 0

/** A new store with a=1 on main, and `feature` branched from there. */
async function forked(backend: 'level' | 'git'): Promise<CliStore & { fork: string }> {
  const store = await newCliStore(join(dir, `${backend}-${stores++}`), backend)
  const fork = (await store.ok(['set', 'a', '1'])).trim()
  await store.ok(['branch', 'create', 'feature'])
  return { ...store, fork }
}

const CONFLICTS = [
  'conflict: x (content: both sides changed the same lines)',
  'conflict: z (delete-modify: deleted by ours, changed by the other side)',
]
/** Text conflicts show the three versions between git's markers (diff3 style). */
const MARKED = '<<<<<<< main\nours\n||||||| base\nbase\n=======\ntheirs\n>>>>>>> feature\n'
const STOPPED = 'merge of feature into main stopped by 2 conflicts, nothing changed (--conflicts ours, theirs, base or keep-both resolves them)'

/** Both branches changed x differently; main removed z, which feature changed; y changed on feature only. */
async function conflicted(backend: 'level' | 'git'): Promise<CliStore> {
  const store = await newCliStore(join(dir, `${backend}-${stores++}`), backend)
  await store.ok(['set', 'x', 'base'])
  await store.ok(['set', 'z', 'base'])
  await store.ok(['branch', 'create', 'feature'])
  await store.ok(['set', 'x', 'ours'])
  await store.ok(['remove', 'z'])
  await store.ok(['--branch', 'feature', 'set', 'x', 'theirs'])
  await store.ok(['--branch', 'feature', 'set', 'y', 'theirs'])
  await store.ok(['--branch', 'feature', 'set', 'z', 'changed'])
  return store
}

describe.each(['level', 'git'] as const)('irmin merge on a %s store', backend => {
  it('fast-forwards a branch that is behind, then says it is up to date', async () => {
    const store = await forked(backend)
    const ahead = (await store.ok(['--branch', 'feature', 'set', 'b', '2'])).trim()
    expect(await store.ok(['merge', 'feature'])).toBe(`fast-forward: main is now at ${ahead}\n`)
    expect(await store.ok(['snapshot'])).toBe(`${ahead}\n`)
    expect(await store.ok(['merge', 'feature'])).toBe('already up to date: main contains feature\n')
    expect(await store.json(['merge', 'feature'])).toEqual({ kind: 'up-to-date', from: 'feature', into: 'main', commit: ahead, parents: [store.fork], conflicts: [] })
    expect((await store.json(['log'])).length).toBe(2)
  })

  it('makes a merge commit with both heads as parents when both branches moved', async () => {
    const store = await forked(backend)
    const ours = (await store.ok(['set', 'c', '3'])).trim()
    const theirs = (await store.ok(['--branch', 'feature', 'set', 'd', '4'])).trim()
    const merged = await store.json(['merge', 'feature', '-m', 'join the branches', '--author', 'Ada <ada@example.org>'])
    expect(merged).toEqual({ kind: 'merge', from: 'feature', into: 'main', commit: expect.stringMatching(/^[0-9a-f]{40}$/), parents: [ours, theirs], conflicts: [] })
    const [head] = await store.json(['log', '-n', '1'])
    expect(head).toMatchObject({ id: merged.commit, message: 'join the branches', author: 'Ada <ada@example.org>', parents: [ours, theirs] })
    expect(await store.ok(['tree'])).toBe('a ... 1\nc ... 3\nd ... 4\n')
    // Without -m, the message says what was merged; the text output gives the new commit.
    await store.ok(['--branch', 'feature', 'set', 'e', '5'])
    const text = await store.ok(['merge', 'feature'])
    expect(text).toMatch(/^merged feature into main: [0-9a-f]{40}\n$/)
    expect((await store.json(['log', '-n', '1']))[0]).toMatchObject({ id: text.trim().split(' ').pop(), message: 'merge feature into main' })
  })

  it('--into (or --branch) chooses the branch merged into; FROM may be a commit id prefix', async () => {
    const store = await forked(backend)
    const main = (await store.ok(['set', 'c', '3'])).trim()
    expect(await store.ok(['merge', 'main', '--into', 'feature'])).toBe(`fast-forward: feature is now at ${main}\n`)
    await store.ok(['--branch', 'feature', 'set', 'd', '4'])
    const other = (await store.ok(['set', 'e', '5'])).trim()
    expect(await store.ok(['--branch', 'feature', 'merge', other.slice(0, 10)])).toMatch(/^merged [0-9a-f]{10} into feature: [0-9a-f]{40}\n$/)
    expect(await store.ok(['--branch', 'feature', 'tree'])).toBe('a ... 1\nc ... 3\nd ... 4\ne ... 5\n')
    expect(await store.run(['merge', 'feature', '--into', 'nosuch'])).toMatchObject({ status: 1, stderr: 'not found: branch nosuch (it has no commits)\n' })
    expect(await store.run(['merge', 'nosuch'])).toMatchObject({ status: 1, stderr: 'not found: branch or commit nosuch\n' })
  })

  it('--no-ff makes a merge commit where a fast-forward would do', async () => {
    const store = await forked(backend)
    const ahead = (await store.ok(['--branch', 'feature', 'set', 'b', '2'])).trim()
    const merged = await store.json(['merge', 'feature', '--no-ff'])
    expect(merged).toMatchObject({ kind: 'merge', parents: [store.fork, ahead] })
    expect(merged.commit).not.toBe(ahead)
    expect(await store.ok(['tree'])).toBe('a ... 1\nb ... 2\n')
  })

  describe('with conflicts', () => {
    let store: CliStore
    beforeAll(async () => {
      store = await conflicted(backend)
    })

    it('lists each conflict on stderr, changes nothing and exits 1', async () => {
      const before = await store.ok(['snapshot'])
      const failed = await store.run(['merge', 'feature'])
      expect(failed).toMatchObject({ status: 1, stdout: '', stderr: [CONFLICTS[0], MARKED.trimEnd(), CONFLICTS[1], STOPPED, ''].join('\n') })
      expect(await store.ok(['snapshot'])).toBe(before)
      const asJson = await store.run(['--json', 'merge', 'feature'])
      expect(asJson.status).toBe(1)
      expect(JSON.parse(asJson.stderr)).toEqual({
        error: STOPPED,
        code: 'ECONFLICT',
        conflicts: [
          { path: 'x', kind: 'content', reason: 'both sides changed the same lines', base: 'base', ours: 'ours', theirs: 'theirs', marked: MARKED },
          { path: 'z', kind: 'delete-modify', reason: 'deleted by ours, changed by the other side', base: 'base', theirs: 'changed' },
        ],
      })
      expect(await store.ok(['snapshot'])).toBe(before)
    })

    it('--conflicts ours, theirs and keep-both resolve them, and say how', async () => {
      for (const how of ['ours', 'theirs', 'keep-both', 'base']) await store.ok(['branch', 'create', how])
      const resolved = (how: string) => CONFLICTS.map(line => `resolved ${line} as ${how}\n`).join('')
      const ours = await store.run(['merge', 'feature', '--into', 'ours', '--conflicts', 'ours'])
      expect(ours).toMatchObject({ status: 0, stdout: expect.stringMatching(/^merged feature into ours: [0-9a-f]{40}\n$/), stderr: resolved('ours') })
      expect(await store.ok(['--branch', 'ours', 'tree'])).toBe('x ... ours\ny ... theirs\n')
      expect(await store.run(['merge', 'feature', '--into', 'theirs', '--conflicts', 'theirs'])).toMatchObject({ status: 0, stderr: resolved('theirs') })
      expect(await store.ok(['--branch', 'theirs', 'tree'])).toBe('x ... theirs\ny ... theirs\nz ... changed\n')
      const both = await store.json(['merge', 'feature', '--into', 'keep-both', '--conflicts', 'keep-both'])
      expect(both.conflicts.map((c: { path: string }) => c.path)).toEqual(['x', 'z'])
      expect(await store.ok(['--branch', 'keep-both', 'tree'])).toBe('x .......... ours\nx~theirs ... theirs\ny .......... theirs\nz .......... changed\n')
      expect(await store.run(['merge', 'feature', '--into', 'base', '--conflicts', 'base'])).toMatchObject({ status: 0, stderr: resolved('base') })
      expect(await store.ok(['--branch', 'base', 'tree'])).toBe('x ... base\ny ... theirs\nz ... base\n')
      expect(await store.run(['merge', 'feature', '--conflicts', 'maybe'])).toMatchObject({ status: 2, stderr: '--conflicts takes fail, ours, theirs, base or keep-both, not "maybe"\n' })
    })
  })
})

describe('merges use the merge rule of --contents', () => {
  /** A store where main and `other` both changed `key` from `base`, as --contents `contents` writes values. */
  async function bothChanged(contents: string, base: string, ours: string, theirs: string): Promise<CliStore> {
    const store = await newCliStore(join(dir, `${contents}-${stores++}`), 'level')
    await store.ok(['--contents', contents, 'set', 'key', base])
    await store.ok(['branch', 'create', 'other'])
    await store.ok(['--contents', contents, 'set', 'key', ours])
    await store.ok(['--contents', contents, '--branch', 'other', 'set', 'key', theirs])
    return store
  }

  it('counter: concurrent increments add up (the recorded type: as bytes they would conflict)', async () => {
    const store = await bothChanged('counter', '5', '7', '8')
    expect(await store.run(['--contents', 'bytes', 'merge', 'other'])).toMatchObject({ status: 2, stderr: expect.stringContaining('key holds counter contents') })
    expect(await store.ok(['--contents', 'counter', 'merge', 'other'])).toMatch(/^merged other into main: /)
    expect(await store.ok(['--contents', 'counter', 'get', 'key'])).toBe('10\n')
    expect(await store.json(['--contents', 'counter', 'get', 'key'])).toEqual({ path: 'key', value: 10 })
    // Both branches going 10 → 11 are two increments, not one change made twice. (The messages
    // differ so that the two commits do: the same change, parent, author and second are one commit.)
    await store.ok(['--branch', 'other', 'merge', 'main'])
    await store.ok(['--contents', 'counter', 'set', 'key', '11', '-m', 'a visit on main'])
    await store.ok(['--contents', 'counter', '--branch', 'other', 'set', 'key', '11', '-m', 'a visit on other'])
    await store.ok(['--contents', 'counter', 'merge', 'other'])
    expect(await store.ok(['--contents', 'counter', 'get', 'key'])).toBe('12\n')
  })

  it('json: objects merge key by key; the same key changed differently conflicts, with values as JSON', async () => {
    const store = await bothChanged('json', '{"a": 1, "b": 2}', '{"a": 10, "b": 2}', '{"a": 1, "b": 20, "c": 3}')
    // The type recorded when the values were written decides, without --contents.
    await store.ok(['merge', 'other'])
    expect(await store.ok(['--contents', 'json', 'get', 'key'])).toBe('{"a":10,"b":20,"c":3}\n')
    await store.ok(['--branch', 'other', 'merge', 'main'])
    await store.ok(['--contents', 'json', 'set', 'key', '{"a": 11, "b": 20, "c": 3}'])
    await store.ok(['--contents', 'json', '--branch', 'other', 'set', 'key', '{"a": 12, "b": 20, "c": 3}'])
    const failed = await store.run(['--json', '--contents', 'json', 'merge', 'other'])
    expect(failed.status).toBe(1)
    expect(JSON.parse(failed.stderr).conflicts).toEqual([
      {
        path: 'key',
        kind: 'content',
        reason: '"a": both sides changed the value differently',
        base: { a: 10, b: 20, c: 3 },
        ours: { a: 11, b: 20, c: 3 },
        theirs: { a: 12, b: 20, c: 3 },
        marked: '<<<<<<< main\n{"a":11,"b":20,"c":3}\n||||||| base\n{"a":10,"b":20,"c":3}\n=======\n{"a":12,"b":20,"c":3}\n>>>>>>> other\n',
      },
    ])
  })

  it('set and multiset: both sides\' additions and removals are kept', async () => {
    const set = await bothChanged('set', '["a", "b"]', '["a", "b", "c"]', '["b", "d"]')
    await set.ok(['--contents', 'set', 'merge', 'other'])
    expect(await set.ok(['--contents', 'set', 'get', 'key'])).toBe('["b","c","d"]\n')
    const multiset = await bothChanged('multiset', '{"x": 1}', '{"x": 3}', '{"x": 2, "y": 1}')
    await multiset.ok(['--contents', 'multiset', 'merge', 'other'])
    expect(await multiset.ok(['--contents', 'multiset', 'get', 'key'])).toBe('{"x":4,"y":1}\n')
  })

  it('log: entries added on both sides are all kept, in time order; lww: the later write wins', async () => {
    const entry = (id: string, time: number) => ({ id, time, text: `comment ${id}` })
    const log = await bothChanged(
      'log',
      JSON.stringify([entry('a', 1)]),
      JSON.stringify([entry('a', 1), entry('c', 3)]),
      JSON.stringify([entry('a', 1), entry('b', 2)]),
    )
    await log.ok(['--contents', 'log', 'merge', 'other'])
    expect(await log.json(['--contents', 'log', 'get', 'key'])).toEqual({ path: 'key', value: [entry('a', 1), entry('b', 2), entry('c', 3)] })
    const lww = await bothChanged('lww', '{"time": 1, "value": "old"}', '{"time": 3, "value": "later"}', '{"time": 2, "value": "earlier"}')
    await lww.ok(['--contents', 'lww', 'merge', 'other'])
    expect(await lww.ok(['--contents', 'lww', 'get', 'key'])).toBe('{"time":3,"value":"later"}\n')
  })

  it('a value the type cannot read, changed on both sides, is a conflict rather than an error', async () => {
    const store = await bothChanged('string', 'base', 'ours', 'theirs')
    const failed = await store.run(['--contents', 'counter', 'merge', 'other'])
    expect(failed).toMatchObject({ status: 1, stdout: '' })
    expect(failed.stderr.split('\n')[0]).toBe('conflict: key (content: both sides changed the value differently (not counter contents: not a counter: "base"))')
  })
})
