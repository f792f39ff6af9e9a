/**
 * Safe branches: `branch delete` keeps the branch --branch names and the last branch unless
 * forced, and prints the head it had as git does ("was ID"); a write to a branch that does not
 * exist is refused with a hint instead of starting an unrelated history (unless --create, or the
 * store has no branch yet); a read of a missing branch names the branch.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { git, removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, newCliStore } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)
const dir = tempDir('irmin-branches-')
afterAll(() => removeDir(dir))

describe.each(['level', 'git'] as const)('branches on a %s store', backend => {
  it('the first write of a new store needs no --create', async () => {
    const store = await newCliStore(join(dir, `${backend}-first`), backend)
    expect(await store.ok(['--branch', 'start', 'set', 'a', '1'])).toMatch(/^[0-9a-f]{40}\n$/)
    expect(await store.ok(['branches'])).toMatch(/^ {2}start {2}[0-9a-f]{7}\n$/)
  })

  it('a write to a missing branch is refused with a hint, and changes nothing; --create starts it', async () => {
    const store = await newCliStore(join(dir, `${backend}-write`), backend)
    await store.ok(['set', 'a', '1'])
    const head = (await store.ok(['snapshot'])).trim()
    const files = join(dir, `${backend}-files`)
    mkdirSync(files)
    writeFileSync(join(files, 'f'), 'text')
    for (const args of [['set', 'b', '2'], ['remove', 'a'], ['import', files]]) {
      expect(await store.run(['--branch', 'typo', ...args])).toMatchObject({
        status: 1,
        stdout: '',
        stderr: 'branch typo does not exist: create it with irmin branch create typo (it starts at the head of main), or add --create to start it as a new history\n',
      })
    }
    expect(await store.run(['--json', '--branch', 'typo', 'set', 'b', '2'])).toMatchObject({ status: 1, stderr: expect.stringContaining('"code":"ENOBRANCH"') })
    expect(await store.ok(['branches'])).toMatch(/^\* main /)
    expect((await store.ok(['snapshot'])).trim()).toBe(head)
    const created = (await store.ok(['--branch', 'typo', 'set', 'b', '2', '--create'])).trim()
    expect((await store.json(['show', '-s', created])).parents).toEqual([])
    expect(await store.ok(['--branch', 'typo', 'tree'])).toBe('b ... 2\n')
  })

  it('a read of a missing branch names the branch, not the path', async () => {
    const store = await newCliStore(join(dir, `${backend}-read`), backend)
    await store.ok(['set', 'a/b', '1'])
    for (const args of [['get', 'a/b'], ['list', 'a'], ['list'], ['tree'], ['log'], ['show']]) {
      expect(await store.run(['--branch', 'nosuch', ...args])).toMatchObject({ status: 1, stderr: expect.stringMatching(/^not found: branch nosuch( \(it has no commits\))?\n$/) })
    }
  })

  it('branch delete prints the old head as git does, and keeps --branch and the last branch unless forced', async () => {
    const root = join(dir, `${backend}-delete`)
    const store = await newCliStore(root, backend)
    await store.ok(['set', 'a', '1'])
    await store.ok(['branch', 'create', 'feature'])
    await store.ok(['--branch', 'feature', 'set', 'a', '2'])
    const feature = (await store.ok(['--branch', 'feature', 'snapshot'])).trim()
    expect(await store.run(['--branch', 'feature', 'branch', 'delete', 'feature'])).toMatchObject({
      status: 1,
      stderr: 'cannot delete branch feature: --branch names it (give --branch another branch, or --force)\n',
    })
    expect(await store.ok(['branch', 'delete', 'feature'])).toBe(`deleted branch feature (was ${feature.slice(0, 7)})\n`)
    if (backend === 'git') {
      // git's own words for the same deletion.
      await store.ok(['branch', 'create', 'feature', feature])
      expect(git(root, ['branch', '-D', 'feature'])).toBe(`Deleted branch feature (was ${feature.slice(0, 7)}).\n`)
    }
    expect(await store.run(['--branch', 'other', 'branch', 'delete', 'main'])).toMatchObject({
      status: 1,
      stderr: 'cannot delete branch main: it is the last branch, and its history would go at the next gc (--force deletes it)\n',
    })
    const main = (await store.ok(['snapshot'])).trim()
    expect(await store.json(['branch', 'delete', 'main', '--force'])).toEqual({ branch: 'main', deleted: true, was: main })
    expect(await store.ok(['branches'])).toBe('')
    expect(await store.run(['branch', 'delete', 'main'])).toMatchObject({ status: 1, stderr: 'not found: branch main\n' })
  })
})
