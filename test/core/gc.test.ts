/**
 * Garbage collection with a history window, and fsck, on the memory and LevelDB backends:
 * property tests against a model of what the window keeps, GC racing concurrent writers,
 * the sliding window's steady size, and fsck's damage reports.
 */
import fc from 'fast-check'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type Backend, Contents, openLevelBackend, openMemoryBackend, Repo } from '../../index.js'
import { reachable } from '../../core/reachable.js'
import { removeDir, tempDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

const backends: Array<[string, () => Promise<Backend>]> = [
  ['memory', async () => openMemoryBackend()],
  [
    'LevelDB',
    async () => {
      const dir = tempDir('irmin-gc-')
      dirs.push(dir)
      return openLevelBackend(join(dir, 'db'))
    },
  ],
]

async function countObjects(backend: Backend): Promise<number> {
  let n = 0
  for await (const _ of backend.objectIds()) n++
  return n
}

async function values(repo: Repo<string>, commit: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for await (const [path, value] of (await repo.commit(commit).tree()).walk()) out[path.join('/')] = value
  return out
}

type Op = { kind: 'set'; branch: number; key: number; value: string } | { kind: 'remove'; branch: number; key: number } | { kind: 'merge'; from: number; into: number }
const BRANCHES = ['main', 'dev', 'topic']
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), branch: fc.nat(2), key: fc.nat(6), value: fc.string({ maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), branch: fc.nat(2), key: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('merge' as const), from: fc.nat(2), into: fc.nat(2) }) },
)
const keyPath = (k: number) => [`d${k % 3}`, `k${k}`]

describe.each(backends)('GC on %s', (_name, openBackend) => {
  it('keeps exactly the window: values of kept commits intact, history ends at the window, nothing unreachable left', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 30 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
        async (ops, keepCommits, sinceStep) => {
          const backend = await openBackend()
          const repo = await Repo.open({ backend, contents: Contents.string })
          await repo.branch('main').set(['seed'], 'x', { date: 1000 })
          for (const b of BRANCHES.slice(1)) await repo.createBranch(b)
          for (const [n, o] of ops.entries()) {
            const date = 1001 + n // one commit per second, so `keepSince` cuts at a known place
            if (o.kind === 'set') await repo.branch(BRANCHES[o.branch]).set(keyPath(o.key), o.value, { date })
            else if (o.kind === 'remove') await repo.branch(BRANCHES[o.branch]).remove(keyPath(o.key), { date })
            else if (o.from !== o.into) await repo.branch(BRANCHES[o.into]).mergeWithBranch(BRANCHES[o.from], { conflicts: 'ours', date })
          }
          const keepSince = sinceStep === undefined ? undefined : new Date((1000 + sinceStep) * 1000)
          // The model: per branch, the newest commits of its history inside both limits (head always).
          const kept = new Set<string>()
          const snapshots = new Map<string, Record<string, string>>()
          for (const b of BRANCHES) {
            let count = 0
            for await (const c of repo.branch(b).history()) {
              if (keepCommits !== undefined && count >= keepCommits) break
              if (count > 0 && keepSince !== undefined && c.date < keepSince) break
              count++
              kept.add(c.id)
              if (!snapshots.has(c.id)) snapshots.set(c.id, await values(repo, c.id))
            }
          }
          await repo.gc({ keepCommits, keepSince })
          const fresh = await Repo.open({ backend, contents: Contents.string })
          for (const [id, snapshot] of snapshots) expect(await values(fresh, id)).toEqual(snapshot)
          // History stops at the window: every commit a walk reaches was kept.
          for (const b of BRANCHES) for await (const c of fresh.branch(b).history()) expect(kept.has(c.id)).toBe(true)
          // Nothing unreachable is left: every stored object is reachable (or the boundary record).
          const heads = (await backend.listRefs('refs/heads/')).map(([, id]) => id)
          const reach = await reachable(fresh.objects, heads)
          expect(reach.missing).toEqual([])
          const record = (await backend.getRef('refs/irmin/shallow')) === undefined ? 0 : 1
          expect(await countObjects(backend)).toBe(reach.commits + reach.trees + reach.blobs + record)
          expect((await fresh.fsck()).damage).toEqual([])
          await fresh.close()
        },
      ),
      { numRuns: 25 },
    )
  })

  it('collects garbage while 4 writers commit on 2 branches, 50 rounds: fsck clean, nothing acknowledged lost', async () => {
    const backend = await openBackend()
    const repo = await Repo.open({ backend, contents: Contents.string })
    await repo.branch('main').set(['seed'], 'x')
    await repo.createBranch('other')
    const acknowledged: string[] = []
    let writing = 4
    let overlapping = 0
    const writer = async (w: number) => {
      const branch = repo.branch(w % 2 ? 'other' : 'main')
      for (let n = 0; n < 150; n++) {
        const head = await (n % 4 === 3
          ? branch.batch(tx => {
              for (let k = 0; k < 10; k++) tx.set([`w${w}`, `batch${n}`, `k${k}`], `${w}.${n}.${k}`)
            })
          : branch.set([`w${w}`, `n${n % 20}`], `${w}.${n}`))
        acknowledged.push(head!.id)
      }
      writing--
    }
    // Garbage on purpose: short-lived branches, created, written and deleted.
    const littering = async () => {
      for (let n = 0; writing > 0; n++) {
        await repo.branch(`scratch${n}`).set(['junk', `${n}`], `garbage ${n}`)
        await repo.deleteBranch(`scratch${n}`)
        // The memory backend answers in microtasks: let writers' back-off timers run.
        await new Promise(resolve => setImmediate(resolve))
      }
    }
    let removed = 0
    const collecting = async () => {
      for (let round = 0; round < 50; round++) {
        removed += (await repo.gc()).removed
        if (writing > 0) overlapping++
      }
    }
    await Promise.all([...[0, 1, 2, 3].map(writer), littering(), collecting()])
    expect(overlapping).toBeGreaterThan(1) // collections really ran while writers wrote
    expect(removed).toBeGreaterThan(0)
    expect((await repo.fsck()).damage).toEqual([])
    expect(acknowledged).toHaveLength(600)
    const fresh = await Repo.open({ backend, contents: Contents.string })
    for (const id of acknowledged) {
      for await (const _ of (await fresh.commit(id).tree()).walk()) {
        // reading every value checks every object of every acknowledged commit
      }
    }
    await fresh.close()
  }, 120_000)

  it('a sliding window keeps the store at a steady size while history flows through it', async () => {
    const backend = await openBackend()
    const repo = await Repo.open({ backend, contents: Contents.string })
    const main = repo.branch('main')
    const sizes: number[] = []
    for (let window = 0; window < 30; window++) {
      for (let n = 0; n < 5; n++) {
        await main.batch(tx => {
          for (let k = 0; k < 20; k++) tx.set([`d${k % 4}`, `k${k}`], `window ${window} commit ${n} key ${k}`)
        })
      }
      await repo.gc({ keepCommits: 5 })
      sizes.push(await countObjects(backend))
    }
    const steady = sizes.slice(5)
    expect(Math.max(...steady)).toBeLessThanOrEqual(2 * Math.min(...steady))
    let commits = 0
    for await (const _ of main.history()) commits++
    expect(commits).toBe(5)
    expect((await repo.fsck()).damage).toEqual([])
  })
})

describe('fsck', () => {
  it('reports corrupt objects, dangling refs, missing objects and unrecorded missing parents', async () => {
    const backend = openMemoryBackend()
    const repo = await Repo.open({ backend, contents: Contents.string })
    const c1 = await repo.branch('main').set(['a', 'b'], 'one')
    const c2 = await repo.branch('main').set(['a', 'c'], 'two')
    expect((await repo.fsck()).damage).toEqual([])
    const blob = await (await repo.branch('main').tree()).findId(['a', 'b'])
    ;(await backend.getObjects([blob!]))[0]![8] ^= 1 // flip a bit of the stored blob
    await backend.deleteObjects([c1!.id])
    await backend.casRef('refs/heads/ghost', undefined, 'f'.repeat(40))
    const fresh = await Repo.open({ backend, contents: Contents.string })
    const report = await fresh.fsck()
    expect(report.damage).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'corrupt', id: blob }),
        expect.objectContaining({ kind: 'dangling-ref', ref: 'refs/heads/ghost' }),
        expect.objectContaining({ kind: 'missing-parent', id: c2!.id }),
      ]),
    )
    expect(report.damage).toHaveLength(3)
  })

  it('a recorded boundary is not damage; GC options are checked', async () => {
    const backend = openMemoryBackend()
    const repo = await Repo.open({ backend, contents: Contents.string })
    for (let i = 0; i < 5; i++) await repo.branch('main').set(['k'], `${i}`)
    const report = await repo.gc({ keepCommits: 2 })
    expect(report.boundary).toHaveLength(1)
    expect(report.removed).toBeGreaterThan(0)
    expect(report.bytesFreed).toBeGreaterThan(0)
    expect(report.kept + report.removed).toBe(report.scanned)
    expect((await repo.fsck()).damage).toEqual([])
    await expect(repo.gc({ keepCommits: 0 })).rejects.toMatchObject({ code: 'EINVAL' })
    await expect(repo.gc({ keepSince: new Date('nope') })).rejects.toMatchObject({ code: 'EINVAL' })
    await expect(repo.gc({ pin: ['nope'] })).rejects.toMatchObject({ code: 'EINVALIDID' })
  })
})
