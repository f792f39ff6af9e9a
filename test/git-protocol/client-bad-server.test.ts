/**
 * Bad input from the server side of a git fetch: a truncated pack, a bad trailer, a corrupt
 * entry, a delta base that exists nowhere, a server that dies mid-transfer. Each is a clear typed
 * error; no branch, tracking ref or tag moves; fsck is clean; after GC the store holds exactly
 * what it held before. An interrupted fetch keeps what arrived whole and does not fetch it again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { BadDeltaError, CorruptPackEntryError, GitTransferError, MissingDeltaBaseError, PackChecksumError, PackStreamError, TruncatedPackError, TruncatedPktLineError } from '../../git-protocol/errors.js'
import { gitFetch } from '../../git-protocol/client/index.js'
import { RESUME_PREFIX } from '../../sync/client/fetch.js'
import { PLAN_PREFIX, readPlan } from '../../git-protocol/client/resume-plan.js'
import { git, removeDir } from '../helpers/git.js'
import { type BadServer, type Spoil, startBadServer } from './bad-server.js'
import { commitChanges, type GitServerFixture, gitServer } from './client-fixtures.js'

let fx: GitServerFixture
let bad: BadServer
beforeAll(async () => {
  fx = await gitServer(8)
  bad = await startBadServer(fx.server.url.replace(/\/$/, ''))
})
afterAll(async () => {
  await bad?.close()
  await fx?.server.close()
  removeDir(fx.root)
})

async function ids(repo: Repo<Uint8Array>): Promise<string[]> {
  const out: string[] = []
  for await (const id of repo.backend.objectIds()) out.push(id)
  return out.sort()
}

const cases: Array<[Spoil, (error: unknown) => boolean]> = [
  ['truncate', (e) => e instanceof TruncatedPackError || e instanceof TruncatedPktLineError],
  ['checksum', (e) => e instanceof PackChecksumError],
  ['corrupt-entry', (e) => e instanceof PackStreamError && (e instanceof CorruptPackEntryError || e instanceof BadDeltaError || e instanceof PackChecksumError || e.code.startsWith('EPACK'))],
  ['missing-base', (e) => e instanceof MissingDeltaBaseError],
  ['die', (e) => e instanceof GitTransferError],
]

describe('git client: bad input from the server', () => {
  it.each(cases)('%s: a typed error, no ref moves, fsck clean, GC leaves the store as it was', async (spoil, expected) => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    await repo.clone(fx.url)
    commitChanges(fx.work, 500 + cases.findIndex(([s]) => s === spoil) * 10, 2)
    git(fx.work, ['push', '-q', 'origin', 'main'])
    const refsBefore = await repo.backend.listRefs()
    const idsBefore = await ids(repo)
    bad.spoil = spoil
    const spoiledBefore = bad.spoiled
    const error = await gitFetch(repo, { name: 'origin', url: `${bad.url}/repo.git`, kind: 'git' }, {}).then(() => undefined, (e: unknown) => e)
    bad.spoil = 'none'
    expect(expected(error), String(error)).toBe(true)
    expect((error as Error).message.length).toBeGreaterThan(10)
    // Interruptions are retried (twice), bad packs are not.
    expect(bad.spoiled - spoiledBefore).toBe(['truncate', 'die'].includes(spoil) ? 3 : 1)
    // Only the resume refs and plan of an interruption are new.
    const refsAfter = (await repo.backend.listRefs()).filter(([name]) => !name.startsWith(RESUME_PREFIX) && !name.startsWith(PLAN_PREFIX))
    expect(refsAfter).toEqual(refsBefore)
    expect((await repo.fsck()).damage).toEqual([])
    for (const [ref, id] of [...(await repo.backend.listRefs(RESUME_PREFIX)), ...(await repo.backend.listRefs(PLAN_PREFIX))]) await repo.backend.casRef(ref, id, undefined)
    await repo.gc()
    expect(await ids(repo)).toEqual(idsBefore)
    // The same fetch from the real server then succeeds.
    const ok = await repo.fetch('origin')
    expect(ok.branches.find((b) => b.branch === 'main')?.id).toBe(git(fx.bare, ['rev-parse', 'main']).trim())
    expect((await repo.fsck()).damage).toEqual([])
    await repo.close()
  })

  it('a fetch cut just before the pack trailer keeps the whole commits that arrived and does not fetch them again', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    await repo.clone(fx.url)
    const before = git(fx.bare, ['rev-parse', 'main']).trim()
    commitChanges(fx.work, 700, 6)
    git(fx.work, ['push', '-q', 'origin', 'main'])
    const all = git(fx.bare, ['rev-list', '--objects', 'main', `^${before}`]).split('\n').filter(Boolean).length
    bad.spoil = 'die-late'
    const remote = { name: 'origin', url: `${bad.url}/repo.git`, kind: 'git' as const }
    await expect(gitFetch(repo, remote, { retries: 0 })).rejects.toBeInstanceOf(GitTransferError)
    bad.spoil = 'none'
    const resume = await repo.backend.listRefs(`${RESUME_PREFIX}origin/`)
    expect(resume.length).toBeGreaterThan(0)
    expect((await repo.fsck()).damage).toEqual([])
    // Everything but the trailer had arrived: all of it was whole, so nothing is fetched again.
    const second = await gitFetch(repo, remote, {})
    expect(all).toBeGreaterThan(20)
    expect(second.objects).toBe(0)
    expect(await repo.backend.listRefs(`${RESUME_PREFIX}origin/`)).toEqual([])
    expect(second.branches.find((b) => b.branch === 'main')?.id).toBe(git(fx.bare, ['rev-parse', 'main']).trim())
    expect((await repo.fsck()).damage).toEqual([])
    await repo.close()
  })

  it('a fetch cut half way keeps the commits it saw as a plan; the next ones fetch it in steps, each landing whole', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    await repo.clone(fx.url)
    const before = git(fx.bare, ['rev-parse', 'main']).trim()
    commitChanges(fx.work, 800, 24)
    git(fx.work, ['push', '-q', 'origin', 'main'])
    const remote = { name: 'origin', url: `${bad.url}/repo.git`, kind: 'git' as const }
    bad.spoil = 'die'
    await expect(gitFetch(repo, remote, { retries: 0 })).rejects.toBeInstanceOf(GitTransferError)
    const plan = await readPlan(repo, 'origin')
    const line = git(fx.bare, ['rev-list', '--first-parent', '--reverse', `${before}..main`]).trim().split('\n')
    expect(plan).toEqual(line) // every new commit was seen: commits come first in a pack
    // The next attempt is cut too, in its first step: that step is all it loses.
    const fetchesBefore = bad.fetches
    await expect(gitFetch(repo, remote, { retries: 0 })).rejects.toBeInstanceOf(GitTransferError)
    expect(bad.fetches - fetchesBefore).toBe(1)
    bad.spoil = 'none'
    const done = await gitFetch(repo, remote, {})
    expect(bad.fetches - fetchesBefore).toBe(1 + 8 + 1) // the 8 steps, then the real wants
    expect(done.branches.find((b) => b.branch === 'main')?.id).toBe(git(fx.bare, ['rev-parse', 'main']).trim())
    expect(await repo.backend.listRefs(PLAN_PREFIX)).toEqual([])
    expect(await repo.backend.listRefs(RESUME_PREFIX)).toEqual([])
    const ids = git(fx.bare, ['rev-list', '--objects', 'main']).split('\n').filter(Boolean).map((l) => l.slice(0, 40))
    expect((await repo.backend.hasObjects(ids)).every(Boolean)).toBe(true)
    expect((await repo.fsck()).damage).toEqual([])
    await repo.close()
  })
})
