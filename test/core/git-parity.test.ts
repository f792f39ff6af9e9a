/**
 * Byte-for-byte parity with real git: blob, tree and commit ids built by irminsule equal the ids
 * git computes for the same content, and a store exported into a git repository passes
 * `git fsck --strict` and reads back with `git log` / `git show`.
 */
import fc from 'fast-check'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bodyAfterHeader } from '../../core/objects/frame.js'
import {
  Contents,
  frameObject,
  nodeHasher,
  openMemoryBackend,
  Repo,
  serializeTreeEntries,
  sha1,
  toHex,
  type GitTreeEntry,
} from '../../index.js'
import { exportToGit, git, initBareRepo, removeDir, tempDir } from '../helpers/git.js'

let repoDir: string
beforeAll(() => {
  repoDir = initBareRepo()
})
afterAll(() => removeDir(repoDir))

const hexId = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(b => toHex(b))
// Names mixing the characters that decide git's order: '-', '.', digits, '/'-adjacent bytes,
// upper/lower case and characters outside ASCII (including one above U+FFFF).
const nameChar = fc.constantFrom('a', 'b', 'B', '-', '.', '0', '9', '_', ' ', '~', 'é', '中', '😀', '\u{e000}')
const entryName = fc
  .array(nameChar, { minLength: 1, maxLength: 6 })
  .map(cs => cs.join(''))
  .filter(n => n !== '.' && n !== '..')
const entryMode = fc.constantFrom('100644', '100755', '120000', '40000')

describe('object ids agree with git', () => {
  it('pure-JS SHA-1 agrees with node:crypto', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), data => {
        expect(toHex(sha1(data))).toBe(nodeHasher.sha1Hex(data))
      }),
      { numRuns: 300 },
    )
  })

  it('blob ids equal `git hash-object`', () => {
    const dir = tempDir()
    try {
      const samples = fc.sample(fc.uint8Array({ maxLength: 2000 }), 40)
      samples.push(new Uint8Array(0), new TextEncoder().encode('hello\n'))
      const files = samples.map((bytes, i) => {
        const file = join(dir, `blob${i}`)
        writeFileSync(file, bytes)
        return file
      })
      const gitIds = git(dir, ['hash-object', '--no-filters', ...files]).trim().split('\n')
      expect(samples.map(bytes => toHex(sha1(frameObject('blob', bytes))))).toEqual(gitIds)
      // A body made with room for its header frames without a copy, to the same bytes.
      const headed = samples.map(bytes => {
        const body = bodyAfterHeader('blob', bytes.length)
        body.set(bytes)
        const framed = frameObject('blob', body)
        expect(framed.buffer).toBe(body.buffer)
        return toHex(sha1(framed))
      })
      expect(headed).toEqual(gitIds)
    } finally {
      removeDir(dir)
    }
  })

  it('tree ids equal `git mktree` for random entries, names and modes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ name: entryName, mode: entryMode, id: hexId }), { selector: e => e.name, maxLength: 12 }), entries => {
        const input = entries.map(e => `${e.mode === '40000' ? '040000' : e.mode} ${e.mode === '40000' ? 'tree' : 'blob'} ${e.id}\t${e.name}\0`).join('')
        const expected = git(repoDir, ['mktree', '-z', '--missing'], input).trim()
        expect(toHex(sha1(serializeTreeEntries(entries as GitTreeEntry[])))).toBe(expected)
      }),
      { numRuns: 60 },
    )
  })

  it('commit ids equal `git commit-tree` with the same author, date and message', async () => {
    const backend = openMemoryBackend()
    const repo = await Repo.open({ backend, contents: Contents.string })
    const store = repo.branch('main')
    const messages = ['first', 'second line\n\nwith a body\n', 'ünïcödé message', 'trailing spaces  ']
    const made: Array<{ id: string; tree: string; parents: string[]; message: string; seconds: number; timezone: string }> = []
    for (const [i, message] of messages.entries()) {
      const seconds = 1_700_000_000 + i * 3600
      const timezone = i % 2 ? '-0130' : '+0200'
      const head = await store.set(['file', `n${i}`], `value ${i}`, { message, author: 'Ada Lovelace <ada@example.org>', date: seconds, timezone })
      made.push({ ...head!, message, seconds, timezone })
    }
    await exportToGit(backend, repoDir) // commit-tree needs the trees to exist
    for (const c of made) {
      const args = ['commit-tree', c.tree, ...c.parents.flatMap(p => ['-p', p]), '-F', '-']
      const expected = git(repoDir, args, c.message.endsWith('\n') ? c.message : c.message + '\n', {
        GIT_AUTHOR_NAME: 'Ada Lovelace',
        GIT_AUTHOR_EMAIL: 'ada@example.org',
        GIT_COMMITTER_NAME: 'Ada Lovelace',
        GIT_COMMITTER_EMAIL: 'ada@example.org',
        GIT_AUTHOR_DATE: `${c.seconds} ${c.timezone}`,
        GIT_COMMITTER_DATE: `${c.seconds} ${c.timezone}`,
      }).trim()
      expect(c.id).toBe(expected)
    }
    await repo.close()
  })

  it('trees built through the API equal the trees git builds from an index of the same files', async () => {
    const pathArb = fc.array(entryName, { minLength: 1, maxLength: 4 })
    const filesArb = fc.uniqueArray(fc.tuple(pathArb, fc.string({ maxLength: 20 })), { selector: ([p]) => p.join('/'), minLength: 1, maxLength: 25 })
    await fc.assert(
      fc.asyncProperty(filesArb, async files => {
        // A path cannot be both a file and a directory: keep the first claim.
        const kept: Array<[string[], string]> = []
        const isFile = new Set<string>()
        const isDir = new Set<string>()
        for (const [path, value] of files) {
          const key = path.join('/')
          const prefixes = path.slice(0, -1).map((_, i) => path.slice(0, i + 1).join('/'))
          if (isDir.has(key) || prefixes.some(p => isFile.has(p))) continue
          isFile.add(key)
          prefixes.forEach(p => isDir.add(p))
          kept.push([path, value])
        }
        const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
        const head = await repo.branch('main').batch(tx => kept.forEach(([p, v]) => tx.set(p, v)))
        const work = tempDir()
        try {
          git(work, ['init', '-q'])
          const lines = kept.map(([path, value]) => {
            const id = git(work, ['hash-object', '-w', '--stdin'], value).trim()
            return `100644 ${id}\t${path.join('/')}\0`
          })
          git(work, ['update-index', '-z', '--index-info'], lines.join(''))
          expect(head!.tree).toBe(git(work, ['write-tree']).trim())
        } finally {
          removeDir(work)
          await repo.close()
        }
      }),
      { numRuns: 25 },
    )
  })
})

describe('a store exported to git', () => {
  it('passes git fsck --strict, and git log and git show read it', async () => {
    const backend = openMemoryBackend()
    const repo = await Repo.open({ backend, contents: Contents.string })
    const main = repo.branch('main')
    await main.set(['a', 'b'], 'hello', { message: 'add a/b', author: 'Ada <ada@example.org>', date: 1_700_000_000 })
    await main.batch(
      tx => {
        for (let i = 0; i < 50; i++) tx.set(['dir', `d${i % 5}`, `k${i}`], `v${i}`)
        tx.set(['x-y'], 'dash')
        tx.set(['x', 'y'], 'nested')
      },
      { message: 'batch', author: 'Bob <bob@example.org>', date: 1_700_000_100 },
    )
    await main.remove(['dir', 'd3'], { message: 'remove d3', date: 1_700_000_200 })
    await repo.createBranch('feature')
    await repo.branch('feature').set(['f'], 'feature value', { message: 'on feature', date: 1_700_000_300 })
    const gitDir = initBareRepo()
    try {
      await exportToGit(backend, gitDir)
      git(gitDir, ['fsck', '--strict', '--no-dangling'])
      const log = git(gitDir, ['log', '--format=%H %an %s', 'main']).trim().split('\n')
      const ours: string[] = []
      for await (const c of main.history()) ours.push(`${c.id} ${c.author.replace(/ <.*/, '')} ${c.message}`)
      expect(log).toEqual(ours)
      expect(git(gitDir, ['show', 'main:a/b'])).toBe('hello')
      expect(git(gitDir, ['show', 'main:dir/d4/k49'])).toBe('v49')
      expect(git(gitDir, ['show', 'feature:f'])).toBe('feature value')
      expect(git(gitDir, ['ls-tree', '--name-only', 'main:dir']).trim().split('\n')).toEqual(['d0', 'd1', 'd2', 'd4'])
    } finally {
      removeDir(gitDir)
      await repo.close()
    }
  })
})
