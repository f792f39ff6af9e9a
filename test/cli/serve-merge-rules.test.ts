/**
 * `irmin serve` merges a merge push by the contents types recorded in its store, as `irmin
 * merge` does: it records the comments book's threads (`comments/`) as logs when it starts, so
 * two readers' concurrent entries on one thread are both kept; elsewhere two different changes
 * to one value still conflict (ECONFLICT), and the branch is left as it was.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, irminOk, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'

const dir = tempDir('irmin-serve-merge-')
const root = join(dir, 'store')
let server: RunningIrmin | undefined

// A type alias, not an interface: a log's entries are records (an index signature).
type Entry = { id: string; time: number; text: string }

const reader = () => Repo.open({ backend: openMemoryBackend(), contents: Contents.log<Entry>() })

const ok = (args: string[]) => irminOk(args)

beforeAll(async () => {
  await ensureBuilt()
}, 180_000)

afterAll(async () => {
  await server?.stop()
  removeDir(dir)
})

describe('irmin serve merges pushes by recorded contents types', () => {
  it('keeps both readers’ entries on a thread; conflicts elsewhere; the record survives', { timeout: 60_000 }, async () => {
    await ok(['--root', root, 'init'])
    // Written as plain text: nothing is recorded for `comments` until the server starts.
    await ok(['--root', root, 'set', 'comments/c1/p1', '[{"id":"a0","time":1,"text":"first"}]'])
    server = startIrmin(['--root', root, '--json', 'serve', '--port', '0'])
    const url = JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url as string

    const alice = await reader()
    const bob = await reader()
    await alice.clone(url)
    await bob.clone(url)
    const thread = ['comments', 'c1', 'p1']
    const append = async (repo: Repo<readonly Entry[]>, entry: Entry) => {
      await repo.branch('main').batch(async tx => tx.set(thread, [...((await tx.find(thread)) ?? []), entry]))
    }
    await append(alice, { id: 'b1', time: 3, text: 'alice' })
    await append(bob, { id: 'c1', time: 2, text: 'bob' })
    expect((await alice.push('origin', 'main')).merged).toBe(false)
    const merged = await bob.push('origin', 'main', { mode: 'merge' })
    expect(merged.merged).toBe(true)
    await alice.pull('origin', 'main')
    expect((await alice.branch('main').get(thread)).map(e => e.text)).toEqual(['first', 'bob', 'alice'])

    // A top-level name without a record merges as bytes: two different values conflict.
    const plain = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
    await plain.clone(url)
    const other = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
    await other.clone(url)
    await plain.branch('main').set(['plain'], 'one')
    await plain.push('origin', 'main', { mode: 'merge' })
    await other.branch('main').set(['plain'], 'two')
    const before = await plain.branch('main').headId()
    const refused = await other.push('origin', 'main', { mode: 'merge' }).catch(error => error)
    expect(refused.code).toBe('ECONFLICT')
    await server.stop()
    server = undefined

    const shown = JSON.parse(await ok(['--root', root, '--json', 'get', 'comments/c1/p1']))
    expect(JSON.stringify(shown)).toContain('alice')
    expect(JSON.stringify(shown)).toContain('bob')
    const head = await ok(['--root', root, '--json', 'log', '-n', '1'])
    expect(head).toContain(before!.slice(0, 12))
  })
})
