/**
 * `irmin set` of several values in one commit: `set a=1 b/c=2`, or a JSON object on standard
 * input (null removes a path), with the --contents rules of a single value; bad input is refused
 * whole, before anything is written.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, newCliStore, type CliStore } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)
const dir = tempDir('irmin-set-many-')
afterAll(() => removeDir(dir))

describe.each(['level', 'git'] as const)('set of several values on a %s store', backend => {
  let store: CliStore
  beforeAll(async () => {
    store = await newCliStore(join(dir, backend), backend)
  })
  const commits = async () => (await store.json(['log'])).length

  it('set a=1 b/c=2 writes both in one commit, with a message naming them', async () => {
    const id = (await store.ok(['set', 'a=1', 'b/c=x=y'])).trim()
    expect(await store.ok(['tree'])).toBe('a ..... 1\nb/c ... x=y\n')
    expect(await store.json(['show', '-s', id])).toMatchObject({ message: expect.stringMatching(/^set a and b\/c\n?$/), parents: [] })
    expect(await commits()).toBe(1)
    const again = await store.run(['set', 'a=1', 'b/c=x=y'])
    expect(again).toMatchObject({ status: 0, stdout: `${id}\n`, stderr: 'nothing changed: no commit made\n' })
  })

  it('PATH VALUE with an = in the value is still one value', async () => {
    await store.ok(['set', 'eq', 'k=v'])
    expect(await store.ok(['get', 'eq'])).toBe('k=v\n')
  })

  it('a JSON object on standard input sets and removes paths in one commit', async () => {
    const before = await commits()
    await store.ok(['set', '-', '-m', 'from a script'], JSON.stringify({ 'x/1': 'one', 'x/2': 'two', eq: null }))
    expect(await commits()).toBe(before + 1)
    expect(await store.ok(['tree', 'x'])).toBe('x/1 ... one\nx/2 ... two\n')
    expect(await store.run(['get', 'eq'])).toMatchObject({ status: 1, stderr: 'not found: eq\n' })
    await store.ok(['--contents', 'json', 'set', '-'], JSON.stringify({ 'j/a': { b: [1, 2] }, 'j/n': 3 }))
    expect(await store.ok(['--contents', 'json', 'get', 'j/a'])).toBe('{"b":[1,2]}\n')
    await store.ok(['--contents', 'counter', 'set', '-'], JSON.stringify({ 'c/hits': 5, 'c/misses': '7' }))
    expect(await store.ok(['--contents', 'counter', 'get', 'c/misses'])).toBe('7\n')
  })

  it('refuses bad input whole, writing nothing', async () => {
    const before = await commits()
    const cases: Array<[string[], string | undefined, string]> = [
      [['set', 'ok=1', 'x=2', 'broken'], undefined, 'set takes PATH VALUE, or PATH=VALUE arguments: "broken" has no ='],
      [['set', 'a=1', 'a=2'], undefined, 'set names a twice'],
      [['set', 'ok=1', '../x=2'], undefined, 'invalid path "../x"'],
      [['set', '-'], '[1, 2]', 'invalid value: standard input is not a JSON object { "PATH": VALUE, ... }'],
      [['set', '-'], '{"a": 1}', 'invalid value: the value of a must be a string for string contents'],
      [['--contents', 'json', 'set', 'k=not json', 'l=1'], undefined, 'invalid value: the value is not JSON: "not json"'],
      [['set', 'single'], undefined, 'irmin set needs more arguments (usage: irmin set PATH VALUE|- | PATH=VALUE... | -'],
    ]
    for (const [args, input, message] of cases) {
      const result = await store.run(args, input)
      expect(result.status).toBe(2)
      expect(result.stderr).toContain(message)
    }
    expect(await commits()).toBe(before)
  })
})
