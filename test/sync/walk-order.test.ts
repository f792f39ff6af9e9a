/**
 * The fetch walk's commit order on histories with merges: every commit comes after its parents
 * (the walk's own order is used when it already is parents-first, as on a linear history, and
 * sorted when a merge reached a parent by a shorter path), each commit once, and a second walk
 * over the same server (its commits now cached) sends the same stream.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { commitLinks } from '../../sync/commit-links.js'
import { type Frame, FrameKind } from '../../sync/frames.js'
import { walkFetch } from '../../sync/server/walk.js'
import { parseFilter } from '../../sync/filter.js'
import { reachable } from '../../core/reachable.js'
import { bytes, openRepo } from './helpers.js'

type Step = { kind: 'set'; branch: number; file: number } | { kind: 'merge'; into: number; from: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), branch: fc.nat(2), file: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('merge' as const), into: fc.nat(2), from: fc.nat(2) }) },
)

async function stream(repo: Awaited<ReturnType<typeof openRepo>>, wants: string[]): Promise<Frame[]> {
  const frames: Frame[] = []
  await walkFetch(repo, { wants, haves: [], filter: parseFilter(undefined) }, { gone: false, write: async frame => void frames.push(frame) })
  return frames
}

const isCommit = (framed: Uint8Array) => new TextDecoder().decode(framed.subarray(0, 7)) === 'commit '

describe('fetch walk order', () => {
  it('sends each commit once, after its parents, and the same stream again once cached', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async steps => {
        const repo = await openRepo()
        const names = ['main', 'b1', 'b2']
        await repo.branch('main').set(['root'], bytes('root'))
        for (const name of names.slice(1)) await repo.createBranch(name, await repo.branch('main').headId())
        let n = 0
        for (const s of steps) {
          if (s.kind === 'set') await repo.branch(names[s.branch]!).set([`f${s.file}`], bytes(`v${n++}`))
          else if (s.into !== s.from) await repo.branch(names[s.into]!).mergeWithBranch(names[s.from]!).catch(() => undefined)
        }
        const heads = [...new Set(await Promise.all(names.map(async name => (await repo.branch(name).headId())!)))]
        const first = await stream(repo, heads)
        const seen = new Set<string>()
        let commits = 0
        for (const frame of first) {
          if (frame.kind !== FrameKind.object || !isCommit(frame.bytes)) continue
          const { parents } = commitLinks(frame.id, frame.bytes.subarray(frame.bytes.indexOf(0) + 1))
          for (const parent of parents) expect(seen.has(parent), `${frame.id} before its parent ${parent}`).toBe(true)
          expect(seen.has(frame.id)).toBe(false)
          seen.add(frame.id)
          commits++
        }
        expect(commits).toBe((await reachable(repo.objects, heads)).commits)
        const again = await stream(repo, heads)
        expect(again.map(f => (f.kind === FrameKind.object ? f.id : f.kind))).toEqual(first.map(f => (f.kind === FrameKind.object ? f.id : f.kind)))
        await repo.close()
      }),
      { numRuns: 60 },
    )
  })
})
