/**
 * fsck works out connectivity from the links its single pass recorded (core/object-graph.ts),
 * without reading in graph order. Model: the graph walk that reads objects (core/reachable.ts,
 * what GC marks with) on the same damaged store must find the same missing objects, the same
 * history boundaries and the same number of reachable objects.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { reachable } from '../../core/reachable.js'
import { serializeTag } from '../../core/objects/git-tag.js'

const step = fc.oneof(
  fc.record({ op: fc.constant('set' as const), branch: fc.integer({ min: 0, max: 2 }), key: fc.constantFrom('a', 'b', 'd/x', 'd/y', 'd/e/z'), value: fc.string({ maxLength: 6 }) }),
  fc.record({ op: fc.constant('fork' as const), from: fc.integer({ min: 0, max: 2 }), to: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('merge' as const), from: fc.integer({ min: 0, max: 2 }), to: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('tag' as const), branch: fc.integer({ min: 0, max: 2 }) }),
)

describe('fsck connectivity', () => {
  it('finds what the reading graph walk finds, on stores with objects deleted at random', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), fc.array(fc.nat(), { maxLength: 8 }), async (steps, doomed) => {
        const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
        const branches = ['b0', 'b1', 'b2']
        let tags = 0
        for (const s of steps) {
          if (s.op === 'set') await repo.branch(branches[s.branch]).set(s.key.split('/'), s.value)
          else if (s.op === 'fork') {
            const head = await repo.backend.getRef(`refs/heads/${branches[s.from]}`)
            if (head && s.from !== s.to) await repo.backend.casRef(`refs/heads/${branches[s.to]}`, await repo.backend.getRef(`refs/heads/${branches[s.to]}`), head)
          } else if (s.op === 'merge') {
            if (s.from !== s.to && (await repo.backend.getRef(`refs/heads/${branches[s.from]}`)) && (await repo.backend.getRef(`refs/heads/${branches[s.to]}`))) {
              await repo.merge(branches[s.from], { into: branches[s.to] }).catch(() => undefined)
            }
          } else {
            const head = await repo.backend.getRef(`refs/heads/${branches[s.branch]}`)
            if (!head) continue
            const framed = serializeTag({ object: head, type: 'commit', name: `t${tags}`, tagger: 'T <t@example.org> 1700000000 +0000', message: 'tag\n' })
            const id = repo.objects.hash(framed)
            await repo.objects.write([[id, framed]])
            await repo.backend.casRef(`refs/tags/t${tags++}`, undefined, id)
          }
        }
        const ids: string[] = []
        for await (const id of repo.backend.objectIds()) ids.push(id)
        const deleted = [...new Set(doomed.map(n => ids[n % ids.length]))].filter(Boolean)
        if (deleted.length > 0) await repo.backend.deleteObjects(deleted)
        // Objects the store itself caches would hide the deletions from the reading walk.
        const fresh = await Repo.open({ backend: repo.backend, contents: Contents.string })

        const heads: string[] = []
        for (const [, id] of await fresh.backend.listRefs()) if ((await fresh.backend.hasObjects([id]))[0]) heads.push(id)
        const model = await reachable(fresh.objects, heads)
        const report = await fresh.fsck()
        const missing = report.damage.filter(d => d.kind === 'missing').map(d => d.id).sort()
        const boundary = report.damage.filter(d => d.kind === 'missing-parent').map(d => d.id).sort()
        expect(missing).toEqual([...new Set(model.missing)].sort())
        expect(boundary).toEqual([...model.boundary].sort())
        expect(report.reachable).toBe(model.tags + model.commits + model.trees + model.blobs)
        expect(report.damage.filter(d => d.kind === 'corrupt')).toEqual([])
      }),
      { numRuns: 150 },
    )
  })
})
