/** irminsule's git client against native git http-backend: clone, fetch, pull, tags, shallow, v0. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { git, removeDir } from '../helpers/git.js'
import { gitObjects, packDeltas } from '../helpers/git-objects.js'
import { commitChanges, type GitServerFixture, gitServer } from './client-fixtures.js'
import { symlinkSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { detectRemoteKind, getRemote } from '../../sync/index.js'
import { gitFetch } from '../../git-protocol/client/index.js'

let fx: GitServerFixture
beforeAll(async () => {
  fx = await gitServer()
})
afterAll(async () => {
  await fx?.server.close()
  removeDir(fx.root)
})

const open = () => Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })

/** The objects git says `revs` reach, compared byte for byte with the store's copies. */
async function expectSameObjects(repo: Repo<Uint8Array>, revs: string[]): Promise<number> {
  const all = gitObjects(fx.bare)
  const ids = git(fx.bare, ['rev-list', '--objects', ...revs]).split('\n').filter(Boolean).map((l) => l.slice(0, 40))
  const ours = await repo.backend.getObjects(ids)
  ids.forEach((id, i) => expect(ours[i], id).toEqual(all.get(id)))
  return ids.length
}

describe('git client: which URLs are git', () => {
  it('a .git path without asking; otherwise the info/refs probe; a server that is not git is irmin', async () => {
    expect(await detectRemoteKind('http://127.0.0.1:1/nowhere/x.git')).toBe('git') // no request: nothing listens there
    symlinkSync(fx.bare, `${fx.root}/plain`)
    expect(await detectRemoteKind(`${fx.server.url}plain`)).toBe('git')
    const other = createServer((_request, response) => response.writeHead(404).end('not found'))
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    try {
      expect(await detectRemoteKind(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`)).toBe('irmin')
    } finally {
      other.close()
    }
  })
})

describe('git client: fetch from git http-backend', () => {
  it('the served repository is deltified (gc --aggressive) and has an annotated tag', () => {
    expect(packDeltas(fx.bare).length).toBeGreaterThan(20)
    expect(git(fx.bare, ['cat-file', '-t', 'v1']).trim()).toBe('tag')
  })

  it('clone (protocol v2) holds every object git has, byte for byte, tags as tag objects, and remembers the remote as git', async () => {
    const repo = await open()
    const result = await repo.clone(fx.url)
    expect(result.branches.map((b) => b.branch).sort()).toEqual(['main', 'side'])
    expect(await expectSameObjects(repo, ['--all'])).toBe(gitObjects(fx.bare).size)
    expect(await repo.backend.getRef('refs/heads/main')).toBe(git(fx.bare, ['rev-parse', 'main']).trim())
    expect(await repo.backend.getRef('refs/tags/v1')).toBe(git(fx.bare, ['rev-parse', 'v1']).trim())
    expect(await repo.backend.getRef('refs/tags/light')).toBe(git(fx.bare, ['rev-parse', 'light']).trim())
    expect(new TextDecoder().decode(await repo.branch('main').get(['dir', 'sub', 'c.txt']))).toBe(git(fx.bare, ['show', 'main:dir/sub/c.txt']))
    expect((await getRemote(repo, 'origin'))?.kind).toBe('git')
    expect((await repo.fsck()).damage).toEqual([])
    await repo.close()
  })

  it('fetch after new commits brings only them; a no-op fetch asks for no pack', async () => {
    const repo = await open()
    await repo.clone(fx.url)
    commitChanges(fx.work, 100, 3)
    git(fx.work, ['push', '-q', 'origin', 'main'])
    const result = await repo.fetch('origin')
    const newObjects = git(fx.bare, ['rev-list', '--objects', 'main', '^main~3']).split('\n').filter(Boolean).length
    expect(result.objects).toBe(newObjects)
    expect(result.branches.find((b) => b.branch === 'main')?.id).toBe(git(fx.bare, ['rev-parse', 'main']).trim())
    const pulled = await repo.pull('origin', 'main')
    expect(pulled.kind).toBe('fast-forward')
    expect(pulled.head.id).toBe(git(fx.bare, ['rev-parse', 'main']).trim())
    const noop = await repo.fetch('origin')
    expect(noop.objects).toBe(0)
    expect(noop.requests).toBe(2) // the advertisement and ls-refs, no fetch
    expect((await repo.fsck()).damage).toEqual([])
    await repo.close()
  })

  it('protocol v0 (a server that does not speak v2) gives the same store', async () => {
    const repo = await open()
    const remote = { name: 'origin', url: fx.url, kind: 'git' as const }
    const result = await gitFetch(repo, remote, { protocolV2: false })
    expect(result.branches.length).toBe(2)
    expect(await repo.backend.getRef('refs/tags/v1')).toBe(git(fx.bare, ['rev-parse', 'v1']).trim())
    await expectSameObjects(repo, ['--all'])
    await repo.close()
  })

  it('filter blob:none: refused clearly where the server does not allow it; where it does, commits and trees without blobs', async () => {
    const refused = await open()
    await expect(gitFetch(refused, { name: 'origin', url: fx.url, kind: 'git' }, { filter: 'blob:none' })).rejects.toThrow(/filter/)
    expect(await refused.backend.listRefs('refs/remotes/')).toEqual([])
    await refused.close()
    git(fx.bare, ['config', 'uploadpack.allowFilter', 'true'])
    try {
      const repo = await open()
      await gitFetch(repo, { name: 'origin', url: fx.url, kind: 'git' }, { filter: 'blob:none' })
      const objects = git(fx.bare, ['rev-list', '--objects', '--all']).split('\n').filter(Boolean).map((l) => l.slice(0, 40))
      const types = git(fx.bare, ['cat-file', '--batch-check=%(objecttype)'], objects.join('\n') + '\n').trim().split('\n')
      const held = await repo.backend.hasObjects(objects)
      objects.forEach((id, i) => expect(held[i], `${types[i]} ${id}`).toBe(types[i] !== 'blob'))
      expect(await repo.backend.getRef('refs/remotes/origin/main')).toBe(git(fx.bare, ['rev-parse', 'main']).trim())
      await repo.close()
    } finally {
      git(fx.bare, ['config', '--unset', 'uploadpack.allowFilter'])
    }
  })

  it('clone --depth 1 holds the newest commit whole and records it as shallow', async () => {
    const repo = await open()
    await repo.clone(fx.url, { depth: 1 })
    const head = git(fx.bare, ['rev-parse', 'main']).trim()
    await expectSameObjects(repo, ['--max-count=1', '--no-walk', head])
    const log = []
    for await (const commit of repo.branch('main').history()) log.push(commit.id)
    expect(log).toEqual([head])
    const report = await repo.fsck()
    expect(report.damage).toEqual([])
    expect(report.boundary).toContain(head)
    await repo.close()
  })
})
