/**
 * Values remember their type: a write with --contents KIND records KIND for the top-level name it
 * writes under, and later commands without --contents read, write and merge there by it; a
 * --contents that contradicts the record is refused, naming the recorded type. Names never
 * written with a type stay strings; the record survives gc and is not a branch.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, newCliStore } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)
const dir = tempDir('irmin-types-')
afterAll(() => removeDir(dir))

describe.each(['level', 'git'] as const)('recorded contents types on a %s store', backend => {
  it('a merge of JSON values written with --contents json merges by the JSON rule without the flag', async () => {
    const store = await newCliStore(join(dir, backend), backend)
    await store.ok(['--contents', 'json', 'set', 'config/app', '{"a": 1, "b": 2}'])
    await store.ok(['--contents', 'counter', 'set', 'stats/visits', '1'])
    await store.ok(['set', 'name', 'demo'])
    await store.ok(['branch', 'create', 'feature'])
    await store.ok(['set', 'config/app', '{"a": 10, "b": 2}'])
    await store.ok(['--branch', 'feature', 'set', 'config/app', '{"a": 1, "b": 20}'])
    await store.ok(['set', 'stats/visits', '5'])
    await store.ok(['--branch', 'feature', 'set', 'stats/visits', '3'])
    await store.ok(['--branch', 'feature', 'set', 'name', 'demo 2'])
    expect(await store.ok(['merge', 'feature'])).toMatch(/^merged feature into main: [0-9a-f]{40}\n$/)
    expect(await store.ok(['get', 'config/app'])).toBe('{"a":10,"b":20}\n')
    expect(await store.json(['get', 'config/app'])).toEqual({ path: 'config/app', value: { a: 10, b: 20 } })
    expect(await store.ok(['get', 'stats/visits'])).toBe('7\n')
    expect(await store.ok(['get', 'name'])).toBe('demo 2\n')
  })

  it('a --contents that contradicts the record is refused, naming the recorded type; values are checked by it', async () => {
    const store = await newCliStore(join(dir, `${backend}-mismatch`), backend)
    await store.ok(['--contents', 'json', 'set', 'config/app', '{"a": 1}'])
    const head = await store.ok(['snapshot'])
    expect(await store.run(['--contents', 'counter', 'set', 'config/other', '3'])).toMatchObject({
      status: 2,
      stderr: 'config holds json contents (recorded when written with --contents json), not counter: drop --contents, or give --contents json\n',
    })
    expect(await store.run(['--contents', 'string', 'get', 'config/app'])).toMatchObject({ status: 2, stderr: expect.stringContaining('config holds json contents') })
    expect(await store.run(['set', 'config/app', 'not json'])).toMatchObject({ status: 2, stderr: 'invalid value: the value is not JSON: "not json"\n' })
    expect(await store.ok(['snapshot'])).toBe(head)
    await store.ok(['set', 'other', 'plain text'])
    expect(await store.ok(['get', 'other'])).toBe('plain text\n')
    expect(await store.ok(['branches'])).toMatch(/^\* main +[0-9a-f]{7}\n$/)
    expect((await store.run(['gc'])).status).toBe(0)
    expect(await store.run(['--contents', 'counter', 'set', 'config/x', '1'])).toMatchObject({ status: 2 })
    expect(await store.run(['fsck'])).toMatchObject({ status: 0 })
  })
})
