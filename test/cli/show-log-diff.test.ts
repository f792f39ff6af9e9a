/**
 * `irmin show`, `log -p` and `diff` print commits and line diffs as git does: on a git store, the
 * output equals git's own for the same commits (git with --date=iso, irmin's date format, and
 * --no-renames, since irmin shows a rename as a deletion and an addition), through text edits,
 * additions, deletions, binary files, an executable bit, a file turned into a directory and a
 * merge. Revisions (HEAD, main~2, main^2, ...) name what `git rev-parse` names.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { git, removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, newCliStore, type CliStore } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)

const dir = tempDir('irmin-show-')
afterAll(() => removeDir(dir))
let store: CliStore
let root: string
const gitLines = (args: string[]) => git(root, args)

/** A 16 KB text of numbered lines; `edit` changes some of them. */
function longText(edit: (lines: string[]) => void = () => {}): string {
  const lines = Array.from({ length: 500 }, (_, i) => `line ${i}: the quick brown fox`)
  edit(lines)
  return lines.join('\n') + '\n'
}

beforeAll(async () => {
  root = join(dir, 'store.git')
  store = await newCliStore(root, 'git')
  await store.ok(['set', 'doc/long.txt', '-', '-m', 'add a long text'], longText())
  await store.ok(['set', 'doc/long.txt', '-', '-m', 'one word\n\nin the middle of a long text'], longText(l => (l[250] = 'line 250: the quick red fox')))
  await store.ok(['set', 'doc/long.txt', '-', '-m', 'edits far apart'], longText(l => {
    l[250] = 'line 250: the quick red fox'
    l.splice(10, 2, 'new line')
    l.push('last', 'lines')
    l[400] = '  indented'
  }))
  await store.ok(['--contents', 'bytes', 'set', 'img/dot.png', '-', '-m', 'a binary file'], new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]))
  await store.ok(['--contents', 'bytes', 'set', 'img/dot.png', '-', '-m', 'binary changed'], new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 9]))
  await store.ok(['set', 'note', 'no newline at the end'])
  await store.ok(['branch', 'create', 'feature'])
  await store.ok(['--branch', 'feature', 'set', 'feature.txt', 'from feature\n', '-m', 'on feature'])
  await store.ok(['remove', 'img/dot.png', '-m', 'remove the image'])
  await store.ok(['merge', 'feature', '--no-ff', '-m', 'merge feature'])
  await store.ok(['remove', 'note'])
  await store.ok(['set', 'note/inside', 'a file became a directory\n'])
  const files = join(dir, 'files')
  mkdirSync(join(files, 'doc'), { recursive: true })
  writeFileSync(join(files, 'doc', 'long.txt'), longText(l => (l[0] = 'first line changed')))
  writeFileSync(join(files, 'run.sh'), '#!/bin/sh\necho hi\n')
  chmodSync(join(files, 'run.sh'), 0o755)
  writeFileSync(join(files, 'feature.txt'), 'from feature\n')
  expect(await store.run(['import', files, '-m', 'import with an executable'])).toMatchObject({ status: 0, stderr: `imported 3 files from ${files}\n` })
})

describe('show, log -p and diff print what git prints', () => {
  it('show of every commit equals git show', async () => {
    const ids = gitLines(['rev-list', '--all']).trim().split('\n')
    expect(ids.length).toBeGreaterThan(10)
    for (const id of ids) {
      const theirs = gitLines(['show', '--date=iso', '--no-decorate', '--no-renames', '--diff-merges=first-parent', id])
      expect(await store.ok(['show', id])).toBe(theirs)
    }
  })

  it('show without a commit shows HEAD; -s only the commit', async () => {
    expect(await store.ok(['show'])).toBe(gitLines(['show', '--date=iso', '--no-renames', 'HEAD']))
    expect(await store.ok(['show', '-s', 'HEAD~3'])).toBe(gitLines(['show', '-s', '--date=iso', '--no-decorate', 'HEAD~3']))
  })

  it('a one-word change in a 16 KB text shows as one line, not the whole value', async () => {
    const out = await store.ok(['show', 'HEAD~9'])
    expect(out).toContain('-line 250: the quick brown fox\n+line 250: the quick red fox\n')
    expect(out.split('\n').length).toBeLessThan(30)
  })

  it('log -p equals git log -p (branch names aside)', async () => {
    const ours = (await store.ok(['log', '-p'])).replace(/^(commit [0-9a-f]{40}) \(.*\)$/gm, '$1')
    expect(ours).toBe(gitLines(['log', '-p', '--date=iso', '--date-order', '--no-decorate', '--no-renames']))
    const oneline = (await store.ok(['log', '-p', '--oneline', '-4'])).replace(/^([0-9a-f]{7}) \(.*?\)/gm, '$1')
    expect(oneline).toBe(gitLines(['log', '-p', '--oneline', '-4', '--date-order', '--no-decorate', '--no-renames']))
  })

  it('diff A B equals git diff A B; diff A alone compares A with HEAD', async () => {
    const ids = gitLines(['rev-list', '--first-parent', 'main']).trim().split('\n')
    for (const [a, b] of [[ids[5], ids[0]], [ids[0], ids[9]], [ids[2], ids[3]], [ids[10], ids[1]]]) {
      expect(await store.ok(['diff', a, b])).toBe(gitLines(['diff', '--no-renames', a, b]))
    }
    expect(await store.ok(['diff', 'HEAD~4'])).toBe(gitLines(['diff', '--no-renames', 'HEAD~4', 'HEAD']))
    expect(await store.ok(['diff', 'HEAD'])).toBe('')
  })

  it('diff --json gives hunks as data, and sizes for binary values', async () => {
    const { changes } = await store.json(['diff', 'HEAD~10', 'HEAD~9'])
    expect(changes).toEqual([
      {
        path: 'doc/long.txt',
        kind: 'updated',
        before: expect.any(String),
        after: expect.any(String),
        hunks: [expect.objectContaining({ oldStart: 248, oldLines: 7, newStart: 248, newLines: 7 })],
      },
    ])
    const binary = await store.json(['--contents', 'bytes', 'diff', 'HEAD~7', 'HEAD~6'])
    expect(binary.changes).toEqual([expect.objectContaining({ path: 'img/dot.png', kind: 'updated', binary: { before: 8, after: 6 }, encoding: 'base64' })])
    expect(await store.ok(['diff', '--oneline', 'HEAD~10', 'HEAD~9'])).toMatch(/^\* doc\/long\.txt "line 0: the quick brown fox\\nline 1/)
  })
})

describe('revisions as git spells them', () => {
  it('name the commits git rev-parse names', async () => {
    const revisions = ['HEAD', '@', 'main', 'HEAD~1', 'HEAD~', 'main~2', 'HEAD^', 'HEAD^^', 'HEAD~3^2', 'HEAD~3^1', 'HEAD~3^2~1', 'main~3^2^', 'feature', 'feature~1', 'HEAD^0', 'main~4~2']
    for (const revision of revisions) {
      const ours = (await store.json(['show', '-s', revision])).id
      expect(`${revision} ${ours}`).toBe(`${revision} ${gitLines(['rev-parse', revision]).trim()}`)
    }
    const id = gitLines(['rev-parse', 'HEAD~2']).trim()
    expect((await store.json(['show', '-s', `${id.slice(0, 9)}~1`])).id).toBe(gitLines(['rev-parse', 'HEAD~3']).trim())
  })

  it('every command that takes a commit takes a revision; HEAD is the head of --branch', async () => {
    expect((await store.json(['--branch', 'feature', 'show', '-s', 'HEAD'])).id).toBe(gitLines(['rev-parse', 'feature']).trim())
    expect(await store.ok(['branch', 'create', 'older', 'main~2'])).toBe(`created branch older at ${gitLines(['rev-parse', 'main~2']).trim()}\n`)
    expect(await store.ok(['log', '--oneline', 'HEAD~1', '-n', '2'])).toBe(gitLines(['log', '--oneline', '--no-decorate', '-2', 'HEAD~1']).replace(/^(\S+)(?= remove note)/m, '$1 (older)'))
  })

  it('log -3 is log -n 3', async () => {
    const three = await store.ok(['log', '-3', '--oneline'])
    expect(three).toBe(await store.ok(['log', '-n', '3', '--oneline']))
    expect(three.trim().split('\n')).toHaveLength(3)
  })

  it('refuses what names nothing: a missing parent (exit 1), a malformed revision or a reflog (exit 2)', async () => {
    expect(await store.run(['show', 'HEAD~99'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/^not found: HEAD~99 \(HEAD~\d+ has no parent\)\n$/) })
    expect(await store.run(['show', 'HEAD^3'])).toMatchObject({ status: 1, stderr: 'not found: HEAD^3 (HEAD has 1 parent)\n' })
    expect(await store.run(['show', 'main@{1}'])).toMatchObject({ status: 2, stderr: expect.stringContaining('irmin keeps no reflog') })
    expect(await store.run(['show', 'main~x'])).toMatchObject({ status: 2, stderr: 'bad revision "main~x": "~x" is not a run of ~N and ^N\n' })
    expect(await store.run(['show', 'main@{u}'])).toMatchObject({ status: 1, stderr: expect.stringContaining('no remote has a branch main') })
    expect(await store.run(['log', '-p', '--graph'])).toMatchObject({ status: 2 })
  })
})

describe('on a LevelDB store', () => {
  it('show prints the commit and its line diff', async () => {
    const level = await newCliStore(join(dir, 'level'), 'level')
    await level.ok(['set', 'a', 'one\ntwo\nthree\n'])
    await level.ok(['set', 'a', 'one\n2\nthree\n', '-m', 'change two'])
    const lines = (await level.ok(['show'])).split('\n')
    expect(lines.slice(4)).toEqual(['    change two', '', 'diff --git a/a b/a', expect.stringMatching(/^index [0-9a-f]{7}\.\.[0-9a-f]{7} 100644$/), '--- a/a', '+++ b/a', '@@ -1,3 +1,3 @@', ' one', '-two', '+2', ' three', ''])
  })
})
