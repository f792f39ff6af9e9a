/**
 * The ids a git index names (GC keeps them): every staged blob of versions 2, 3 (extended flags:
 * an intent-to-add entry) and 4 (prefix-compressed paths), and the cache-tree's trees.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { indexObjectIds } from '../../backends/git/index-file.js'
import { git, removeDir, tempDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

describe('index file', () => {
  it.each([2, 3, 4])('version %i: staged blobs and cache-tree trees', version => {
    const dir = tempDir('irmin-index-')
    dirs.push(dir)
    git(dir, ['init', '-q'])
    mkdirSync(join(dir, 'deep', 'er'), { recursive: true })
    for (const [name, text] of [['a', 'one'], ['deep/b', 'two'], ['deep/er/c', 'three'], ['deep/er/d', 'four']]) writeFileSync(join(dir, name), text)
    git(dir, ['add', '.'])
    git(dir, ['write-tree']) // fills the cache-tree extension
    writeFileSync(join(dir, 'later'), 'intent to add')
    git(dir, ['add', '-N', 'later']) // an extended-flags entry (version 3 and up)
    git(dir, ['update-index', '--index-version', String(version)])
    const ids = indexObjectIds(readFileSync(join(dir, '.git', 'index')))
    const staged = git(dir, ['ls-files', '-s']).trim().split('\n').map(line => line.split(/\s+/)[1])
    for (const id of staged) expect(ids).toContain(id)
    // The new entry invalidated the root's cache-tree entry, not its subdirectories'.
    for (const path of ['deep', 'deep/er']) expect(ids).toContain(git(dir, ['write-tree', '--prefix', `${path}/`]).trim())
  })

  it('a damaged index names no id it cannot read whole, and never throws', () => {
    const dir = tempDir('irmin-index-')
    dirs.push(dir)
    git(dir, ['init', '-q'])
    for (const name of ['a', 'b', 'c']) writeFileSync(join(dir, name), name)
    git(dir, ['add', '.'])
    const whole = readFileSync(join(dir, '.git', 'index'))
    const all = indexObjectIds(whole)
    expect(all).toHaveLength(3)
    expect(indexObjectIds(new TextEncoder().encode('not an index at all, just some text'))).toEqual([])
    expect(indexObjectIds(new Uint8Array(0))).toEqual([])
    const wrongVersion = Uint8Array.from(whole)
    wrongVersion[7] = 9
    expect(indexObjectIds(wrongVersion)).toEqual([])
    // Cut anywhere: only whole entries come back, each one of the intact file's.
    for (let length = 0; length < whole.length; length += 7) {
      for (const id of indexObjectIds(whole.subarray(0, length))) expect(all).toContain(id)
    }
  })
})
