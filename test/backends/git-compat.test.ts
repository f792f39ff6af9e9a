/**
 * The git backend and real git on the same repositories, both ways: what irminsule writes, git
 * checks (`fsck --strict`, `verify-pack`), logs, clones and checks out; what git writes — packed
 * with deltas by `gc --aggressive`, refs packed, objects loose and packed — irminsule reads back
 * byte for byte; and the two take turns committing to one branch.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openGitBackend } from '../../backends/git/index.js'
import { PackFile } from '../../backends/git/pack-file.js'
import { OBJ_OFS_DELTA, OBJ_REF_DELTA } from '../../backends/git/pack-format.js'
import { PackIndex } from '../../backends/git/pack-index.js'
import { Contents, Repo } from '../../index.js'
import { gitObjects, packDeltas, packFiles } from '../helpers/git-objects.js'
import { git, gitStatus, removeDir, tempDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

function freshDir(): string {
  const dir = tempDir('irmin-git-compat-')
  dirs.push(dir)
  return dir
}

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
}

function expectFsckClean(gitDir: string): void {
  const fsck = gitStatus(gitDir, ['fsck', '--strict', '--no-dangling', '--no-progress'])
  // Only notices (an empty repository's unborn HEAD), no warnings or errors.
  expect((fsck.stderr + fsck.stdout).split('\n').filter(line => line && !line.startsWith('notice:'))).toEqual([])
  expect(fsck.status).toBe(0)
}

/** How many entries of each pack type the packs of `gitDir` hold, read with the backend's own pack code. */
function entryTypes(gitDir: string): Map<number, number> {
  const counts = new Map<number, number>()
  for (const idx of packFiles(gitDir, 'idx')) {
    const index = PackIndex.parse(readFileSync(idx)) as PackIndex
    const name = idx.slice(idx.lastIndexOf('/') + 1, -4)
    const pack = PackFile.open(dirname(idx), name, index)!
    for (let p = 0; p < index.count; p++) {
      const type = pack.entryAt(p, index.idAt(p)).type
      counts.set(type, (counts.get(type) ?? 0) + 1)
    }
    pack.close()
  }
  return counts
}

const BIG_TEXT = Array.from({ length: 120 }, (_, i) => `line ${i}: a text long enough for git to store its versions as deltas\n`).join('')

/**
 * A work tree built by git: nested directories, several branches, an executable, an annotated
 * tag, versions of large files (so `gc --aggressive` makes delta chains); then packed.
 */
function gitBuiltRepository(): string {
  const dir = freshDir()
  git(dir, ['init', '-q', '-b', 'main'])
  for (let c = 0; c < 6; c++) {
    for (let f = 0; f < 24; f++) writeFile(join(dir, `src/m${f % 4}/d${f % 3}/file${f}.txt`), BIG_TEXT + `change ${c} of file ${f}\n`.repeat(c + 1))
    writeFile(join(dir, 'README'), `readme, version ${c}\n`)
    git(dir, ['add', '-A'])
    git(dir, ['commit', '-q', '-m', `commit ${c}`])
    if (c === 2) git(dir, ['branch', 'old'])
  }
  git(dir, ['checkout', '-q', '-b', 'feature'])
  writeFile(join(dir, 'tools/run.sh'), '#!/bin/sh\necho run\n')
  chmodSync(join(dir, 'tools/run.sh'), 0o755)
  writeFile(join(dir, 'src/m0/d0/file0.txt'), BIG_TEXT + 'feature edit\n')
  git(dir, ['add', '-A'])
  git(dir, ['commit', '-q', '-m', 'feature work'])
  git(dir, ['checkout', '-q', 'main'])
  git(dir, ['tag', '-a', 'v1', '-m', 'version one'])
  git(dir, ['gc', '-q', '--aggressive'])
  git(dir, ['pack-refs', '--all'])
  return dir
}

/** Every path of every branch reads back through irminsule as `git cat-file` prints it. */
async function expectBranchesMatch(dir: string): Promise<void> {
  const repo = await Repo.open({ backend: await openGitBackend(dir), contents: Contents.bytes })
  try {
    const branches = git(dir, ['for-each-ref', '--format=%(refname:strip=2)', 'refs/heads/']).trim().split('\n')
    expect((await repo.branches()).sort()).toEqual(branches.sort())
    for (const branch of branches) {
      const store = repo.branch(branch)
      expect(await store.headId()).toBe(git(dir, ['rev-parse', branch]).trim())
      const entries = git(dir, ['ls-tree', '-r', '-z', branch]).split('\0').filter(Boolean)
      expect(entries.length).toBeGreaterThan(10)
      for (const entry of entries) {
        const [info, path] = entry.split('\t')
        const id = info.split(' ')[2]
        const expected = Buffer.from(git(dir, ['cat-file', 'blob', id]))
        expect(Buffer.from(await store.get(path.split('/'))).equals(expected), `${branch}:${path}`).toBe(true)
      }
    }
  } finally {
    await repo.close()
  }
}

/** Every object git holds reads back byte for byte, and objectIds lists exactly them. */
async function expectObjectsMatch(dir: string): Promise<void> {
  const expected = gitObjects(dir)
  const backend = await openGitBackend(dir)
  try {
    const ids = [...expected.keys()]
    const got = await backend.getObjects(ids)
    ids.forEach((id, i) => expect(got[i] && Buffer.from(got[i]!).equals(Buffer.from(expected.get(id)!)), id).toBe(true))
    const listed: string[] = []
    for await (const id of backend.objectIds()) listed.push(id)
    expect(listed.sort()).toEqual(ids.sort())
  } finally {
    await backend.close()
  }
}

describe('git reads what irminsule writes', () => {
  it('passes git fsck --strict and verify-pack; git log shows the commits; a clone checks out the files', async () => {
    const dir = freshDir()
    const repo = await Repo.open({ backend: await openGitBackend(dir, { create: true }), contents: Contents.string })
    const main = repo.branch('main')
    const files = new Map<string, string>()
    await main.set(['a', 'b'], 'hello', { message: 'add a/b', author: 'Ada <ada@example.org>', date: 1_700_000_000 })
    files.set('a/b', 'hello')
    await main.batch(
      tx => {
        for (let i = 0; i < 60; i++) {
          const value = i % 10 === 0 ? `large, compressible ${i}\n`.repeat(200) : `v${i}`
          tx.set(['dir', `d${i % 5}`, `k${i}`], value)
          files.set(`dir/d${i % 5}/k${i}`, value)
        }
      },
      { message: 'batch', author: 'Bob <bob@example.org>', date: 1_700_000_100 },
    )
    await main.remove(['dir', 'd3'], { message: 'remove d3', date: 1_700_000_200 })
    for (const path of [...files.keys()]) if (path.startsWith('dir/d3/')) files.delete(path)
    await repo.createBranch('feature')
    await repo.branch('feature').set(['f'], 'feature value', { message: 'on feature', date: 1_700_000_300 })
    const ours: string[] = []
    for await (const c of main.history()) ours.push(`${c.id} ${c.message}`)
    await repo.close()

    expectFsckClean(dir)
    for (const idx of packFiles(dir, 'idx')) expect(gitStatus(dir, ['verify-pack', idx]).status).toBe(0)
    expect(git(dir, ['log', '--format=%H %s', 'main']).trim().split('\n')).toEqual(ours)
    expect(git(dir, ['show', 'feature:f'])).toBe('feature value')

    const clone = freshDir()
    git(clone, ['clone', '-q', dir, 'work'])
    const work = join(clone, 'work')
    expect(git(work, ['ls-files']).trim().split('\n').sort()).toEqual([...files.keys()].sort())
    for (const [path, value] of files) expect(readFileSync(join(work, path), 'utf8'), path).toBe(value)
  })

  it('creates a bare repository git accepts', async () => {
    const dir = join(freshDir(), 'new', 'repo')
    await (await openGitBackend(dir, { create: true })).close()
    expect(git(dir, ['rev-parse', '--is-bare-repository']).trim()).toBe('true')
    expect(git(dir, ['symbolic-ref', 'HEAD']).trim()).toBe('refs/heads/main')
    expectFsckClean(dir)
  })
})

describe('irminsule reads what git writes', () => {
  const dir = gitBuiltRepository()

  it('the packs git made have delta chains (OBJ_OFS_DELTA) and the refs are packed', () => {
    expect(packDeltas(join(dir, '.git')).some(delta => delta.depth >= 2)).toBe(true)
    expect(entryTypes(join(dir, '.git')).get(OBJ_OFS_DELTA)).toBeGreaterThan(10)
    expect(git(dir, ['count-objects', '-v'])).toMatch(/^count: 0$/m)
    expect(readFileSync(join(dir, '.git', 'packed-refs'), 'utf8')).toContain('refs/heads/feature')
  })

  it('every object reads back byte for byte, and objectIds lists them all', () => expectObjectsMatch(dir))

  it('every path of every branch reads back as git shows it; refs and tags list as git lists them', async () => {
    await expectBranchesMatch(dir)
    const backend = await openGitBackend(dir)
    try {
      const refs = git(dir, ['for-each-ref', '--format=%(refname) %(objectname)']).trim().split('\n')
      expect((await backend.listRefs()).map(([name, id]) => `${name} ${id}`)).toEqual(refs)
      const [, tag] = (await backend.listRefs('refs/tags/'))[0]
      expect(new TextDecoder().decode((await backend.getObjects([tag]))[0]!)).toMatch(/^tag \d+\0object [0-9a-f]{40}\ntype commit\ntag v1\n/)
    } finally {
      await backend.close()
    }
  })

  it('reads packs whose deltas name their base by id (OBJ_REF_DELTA)', async () => {
    const copy = freshDir()
    git(copy, ['clone', '-q', '--mirror', dir, 'mirror'])
    const mirror = join(copy, 'mirror')
    git(mirror, ['-c', 'repack.useDeltaBaseOffset=false', 'repack', '-q', '-a', '-d', '-f', '--depth=50', '--window=50'])
    expect(entryTypes(mirror).get(OBJ_REF_DELTA)).toBeGreaterThan(10)
    expect(entryTypes(mirror).get(OBJ_OFS_DELTA)).toBeUndefined()
    await expectObjectsMatch(mirror)
    await expectBranchesMatch(mirror)
  })

  it('reads objects both loose and packed, and a loose ref over a packed one', async () => {
    writeFile(join(dir, 'src/m1/d1/new.txt'), 'a loose object\n')
    writeFile(join(dir, 'README'), 'readme, loose version\n')
    git(dir, ['add', '-A'])
    git(dir, ['commit', '-q', '-m', 'loose commit'])
    expect(git(dir, ['count-objects', '-v'])).not.toMatch(/^count: 0$/m)
    expect(readFileSync(join(dir, '.git', 'packed-refs'), 'utf8')).toContain('refs/heads/main')
    await expectObjectsMatch(dir)
    await expectBranchesMatch(dir)
  })
})

describe('git and irminsule on the same repository', () => {
  it('keeps reading and writing while git gc repacks the repository under it', async () => {
    const dir = freshDir()
    const backend = await openGitBackend(dir, { create: true })
    const repo = await Repo.open({ backend, contents: Contents.string })
    for (let c = 0; c < 5; c++) await repo.branch('main').set(['k', `${c}`], `v${c}`)
    const ours = packFiles(dir, 'pack')
    git(dir, ['gc', '-q'])
    expect(packFiles(dir, 'pack').some(pack => ours.includes(pack))).toBe(false)
    // A second repo on the same backend has nothing cached: every read goes to the backend.
    const fresh = await Repo.open({ backend, contents: Contents.string })
    for (let c = 0; c < 5; c++) expect(await fresh.branch('main').get(['k', `${c}`])).toBe(`v${c}`)
    await fresh.branch('main').set(['k', 'after'], 'gc')
    expect(await backend.hasObjects((await backend.listRefs()).map(([, id]) => id))).toEqual([true])
    await repo.close()
    expectFsckClean(dir)
    expect(git(dir, ['show', 'main:k/after'])).toBe('gc')
    expect(git(dir, ['log', '--oneline', 'main']).trim().split('\n')).toHaveLength(6)
  })

  it('take turns committing to one branch, and git fsck stays clean', async () => {
    const dir = freshDir()
    const backend = await openGitBackend(dir, { create: true })
    const repo = await Repo.open({ backend, contents: Contents.string })
    const main = repo.branch('main')
    const first = await main.set(['a', 'b'], 'from irminsule', { message: 'irminsule 1' })

    // git commits on top: a new file through a temporary index, commit-tree, update-ref.
    const env = { GIT_INDEX_FILE: join(dir, 'tmp-index') }
    const blob = git(dir, ['hash-object', '-w', '--stdin'], 'from git').trim()
    git(dir, ['read-tree', 'main'], undefined, env)
    git(dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},g/file`], undefined, env)
    const tree = git(dir, ['write-tree'], undefined, env).trim()
    const gitCommit = git(dir, ['commit-tree', tree, '-p', 'main', '-m', 'git 1']).trim()
    git(dir, ['update-ref', 'refs/heads/main', gitCommit, first!.id])

    expect(await main.headId()).toBe(gitCommit)
    expect(await main.get(['g', 'file'])).toBe('from git')
    expect(await main.get(['a', 'b'])).toBe('from irminsule')
    const third = await main.set(['a', 'c'], 'irminsule again', { message: 'irminsule 2' })
    expect(third!.parents).toEqual([gitCommit])
    await repo.close()

    expectFsckClean(dir)
    expect(git(dir, ['log', '--format=%s', 'main']).trim().split('\n')).toEqual(['irminsule 2', 'git 1', 'irminsule 1'])
    expect(git(dir, ['show', 'main:a/c'])).toBe('irminsule again')
    expect(git(dir, ['show', 'main:g/file'])).toBe('from git')
  })
})
