/**
 * The git backend against the shared conformance suite, and how it opens and creates
 * repositories.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openGitBackend, type GitBackend } from '../../backends/git/index.js'
import { blobObject } from '../../backends/conformance.js'
import type { Backend } from '../../index.js'
import { runConformance } from '../helpers/conformance.js'
import { git, removeDir, tempDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

function freshDir(): string {
  const dir = tempDir('irmin-git-')
  dirs.push(dir)
  return dir
}

const ID_A = 'a'.repeat(40)

const locations = new WeakMap<Backend, string>()

runConformance('git', {
  open: async options => {
    const dir = freshDir()
    const backend = await openGitBackend(dir, { create: true, ...options })
    locations.set(backend, dir)
    return backend
  },
  reopen: async backend => {
    const dir = locations.get(backend)!
    await backend.close()
    const again = await openGitBackend(dir)
    locations.set(again, dir)
    return again
  },
})

describe('opening a git repository', () => {
  it('refuses a directory without a repository unless asked to create one', async () => {
    const dir = freshDir()
    await expect(openGitBackend(dir)).rejects.toMatchObject({ code: 'ENOTREPO', name: 'NotARepositoryError' })
    await expect(openGitBackend(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOTREPO' })
    const backend = await openGitBackend(dir, { create: true })
    expect(backend.gitDir).toBe(dir)
    await backend.close()
    expect(readFileSync(join(dir, 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n')
    expect(git(dir, ['config', 'core.bare']).trim()).toBe('true')
  })

  it('creates a work tree repository with bare: false, and opens work trees git made', async () => {
    const dir = freshDir()
    await (await openGitBackend(dir, { create: true, bare: false })).close()
    expect(git(dir, ['rev-parse', '--is-bare-repository']).trim()).toBe('false')
    expect(git(dir, ['rev-parse', '--git-dir']).trim()).toBe('.git')

    const work = freshDir()
    git(work, ['init', '-q', '-b', 'main'])
    writeFileSync(join(work, 'file'), 'content\n')
    git(work, ['add', 'file'])
    git(work, ['commit', '-q', '-m', 'first'])
    const backend = await openGitBackend(work)
    expect(backend.gitDir).toBe(join(work, '.git'))
    expect(await backend.getRef('refs/heads/main')).toBe(git(work, ['rev-parse', 'main']).trim())
    await backend.close()
  })

  it('refuses repositories with SHA-256 object ids', async () => {
    const dir = freshDir()
    git(dir, ['init', '-q', '--bare', '--object-format=sha256'])
    await expect(openGitBackend(dir)).rejects.toMatchObject({ code: 'ENOTREPO', message: expect.stringMatching(/sha256/) })
  })

  it('refuses bytes that are not a framed git object, writing nothing', async () => {
    const backend = await openGitBackend(freshDir(), { create: true })
    const good = blobObject('good')
    const notFramed: [string, Uint8Array] = [good[0], new TextEncoder().encode('no header at all')]
    const wrongSize: [string, Uint8Array] = ['c'.repeat(40), new TextEncoder().encode('blob 5\0four')]
    for (const bad of [notFramed, wrongSize]) {
      await expect(backend.putObjects([blobObject('other'), bad])).rejects.toMatchObject({ code: 'EINVAL' })
    }
    expect(await backend.hasObjects([blobObject('other')[0]])).toEqual([false])
    await backend.close()
  })
})

describe('refs as git keeps them', () => {
  async function storeWithCommit(): Promise<{ dir: string; backend: GitBackend; commit: string }> {
    const dir = freshDir()
    git(dir, ['init', '-q', '--bare', '-b', 'main'])
    const tree = git(dir, ['mktree'], '').trim()
    const commit = git(dir, ['commit-tree', tree, '-m', 'empty']).trim()
    return { dir, backend: await openGitBackend(dir), commit }
  }

  it('deletes a packed ref from packed-refs, and a loose ref overrides a packed one', async () => {
    const { dir, backend, commit } = await storeWithCommit()
    for (const name of ['main', 'keep', 'gone']) git(dir, ['update-ref', `refs/heads/${name}`, commit])
    git(dir, ['pack-refs', '--all'])
    expect(await backend.listRefs()).toEqual(['gone', 'keep', 'main'].map(name => [`refs/heads/${name}`, commit]))
    expect(await backend.casRef('refs/heads/gone', commit, undefined)).toBe(true)
    expect(await backend.casRef('refs/heads/main', commit, ID_A)).toBe(true)
    expect(readFileSync(join(dir, 'packed-refs'), 'utf8')).not.toContain('refs/heads/gone')
    expect(git(dir, ['for-each-ref', '--format=%(refname) %(objectname)']).trim().split('\n')).toEqual([`refs/heads/keep ${commit}`, `refs/heads/main ${ID_A}`])
    expect(await backend.getRef('refs/heads/gone')).toBeUndefined()
    await backend.close()
  })

  it('follows symbolic refs, reports broken ones as CorruptRefError and leaves them out of listings', async () => {
    const { dir, backend, commit } = await storeWithCommit()
    git(dir, ['update-ref', 'refs/remotes/origin/main', commit])
    git(dir, ['symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main'])
    expect(await backend.getRef('refs/remotes/origin/HEAD')).toBe(commit)
    writeFileSync(join(dir, 'refs', 'heads', 'broken'), 'not an id\n')
    await expect(backend.getRef('refs/heads/broken')).rejects.toMatchObject({ code: 'ECORRUPTREF', name: 'CorruptRefError' })
    expect((await backend.listRefs()).map(([name]) => name)).toEqual(['refs/remotes/origin/HEAD', 'refs/remotes/origin/main'])
    await backend.close()
  })

  it('refuses a ref where another ref is a directory of it, or the reverse (as git does)', async () => {
    const { dir, backend, commit } = await storeWithCommit()
    expect(await backend.casRef('refs/heads/a', undefined, commit)).toBe(true)
    await expect(backend.casRef('refs/heads/a/b', undefined, commit)).rejects.toMatchObject({ code: 'EREFCONFLICT' })
    expect(await backend.casRef('refs/heads/x/y', undefined, commit)).toBe(true)
    await expect(backend.casRef('refs/heads/x', undefined, commit)).rejects.toMatchObject({ code: 'EREFCONFLICT' })
    git(dir, ['update-ref', 'refs/heads/p', commit])
    git(dir, ['pack-refs', '--all', '--prune'])
    await expect(backend.casRef('refs/heads/p/q', undefined, commit)).rejects.toMatchObject({ code: 'EREFCONFLICT' })
    // Deleting the last ref of a directory removes the directory, so the name is free again.
    expect(await backend.casRef('refs/heads/x/y', commit, undefined)).toBe(true)
    expect(existsSync(join(dir, 'refs', 'heads', 'x'))).toBe(false)
    expect(existsSync(join(dir, 'refs', 'heads'))).toBe(true)
    expect(await backend.casRef('refs/heads/x', undefined, commit)).toBe(true)
    expect(existsSync(join(dir, 'refs', 'heads', 'x'))).toBe(true)
    await backend.close()
  })
})
