/**
 * Text values merge as git merges files: changes to different lines combine, changes to the same
 * lines conflict and are shown between git's markers with the base's version (diff3 style). On a
 * git store, the merged value and the marked conflict equal what `git merge` leaves in a work
 * tree for the same commits (merge.conflictStyle=diff3; git names the sides HEAD and the branch,
 * and the base by its short id, where irmin names the branch merged into and "base").
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { git, gitStatus, removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, newCliStore } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)
const dir = tempDir('irmin-conflicts-')
afterAll(() => removeDir(dir))

const BASE = 'title\none\ntwo\nthree\nfour\nfive\nsix\nseven\n'

async function forked(name: string, ours: string, theirs: string) {
  const store = await newCliStore(join(dir, `${name}.git`), 'git')
  await store.ok(['set', 'doc.txt', '-'], BASE)
  await store.ok(['branch', 'create', 'feature'])
  await store.ok(['set', 'doc.txt', '-', '-m', 'ours'], ours)
  await store.ok(['--branch', 'feature', 'set', 'doc.txt', '-', '-m', 'theirs'], theirs)
  return store
}

/** What `git merge feature` leaves in doc.txt of a work tree cloned from the store. */
function gitMerge(root: string, name: string): { clean: boolean; text: string } {
  const work = join(dir, `${name}-work`)
  git(dir, ['clone', '-q', root, work])
  git(work, ['checkout', '-q', '-b', 'feature', 'origin/feature'])
  git(work, ['checkout', '-q', 'main'])
  const merged = gitStatus(work, ['-c', 'merge.conflictStyle=diff3', '-c', 'user.name=T', '-c', 'user.email=t@example.org', 'merge', '-q', '--no-edit', 'feature'])
  return { clean: merged.status === 0, text: readFileSync(join(work, 'doc.txt'), 'utf8') }
}

describe('text merges as git merges files', () => {
  it('changes to different lines combine, as git merge combines them', async () => {
    const store = await forked('clean', BASE.replace('one', 'ONE'), BASE.replace('six', 'SIX'))
    expect((await store.run(['merge', 'feature'])).status).toBe(0)
    const theirs = gitMerge(store.root, 'clean')
    expect(theirs.clean).toBe(true)
    expect(await store.ok(['--contents', 'bytes', 'get', 'doc.txt'])).toBe(theirs.text)
  })

  it('changes to the same lines conflict, shown between the markers git merge writes', async () => {
    const store = await forked('conflict', BASE.replace('two', 'deux').replace('seven', 'SEVEN'), BASE.replace('two', 'zwei'))
    const failed = await store.run(['merge', 'feature'])
    expect(failed.status).toBe(1)
    expect(failed.stderr).toBe(
      [
        'conflict: doc.txt (content: both sides changed the same lines)',
        '<<<<<<< main',
        'deux',
        '||||||| base',
        'two',
        '=======',
        'zwei',
        '>>>>>>> feature',
        'merge of feature into main stopped by 1 conflict, nothing changed (--conflicts ours, theirs, base or keep-both resolves them)',
        '',
      ].join('\n'),
    )
    const [conflict] = JSON.parse((await store.run(['--json', 'merge', 'feature'])).stderr).conflicts
    const theirs = gitMerge(store.root, 'conflict')
    expect(theirs.clean).toBe(false)
    const gitLabels = theirs.text.replace(/^<<<<<<< HEAD$/m, '<<<<<<< main').replace(/^\|\|\|\|\|\|\| .*$/m, '||||||| base')
    expect(conflict.marked).toBe(gitLabels)
    expect(conflict.marked).toContain('SEVEN')
    expect(await store.run(['merge', 'feature', '--conflicts', 'base'])).toMatchObject({ status: 0, stderr: 'resolved conflict: doc.txt (content: both sides changed the same lines) as base\n' })
    expect(await store.ok(['--contents', 'bytes', 'get', 'doc.txt'])).toBe(BASE)
  })
})
