/**
 * Model-based test: random sequences of set/remove/batch/fork/read on several branches, run
 * against the store and against a plain `Map` per commit. Every read agrees, and at the end every
 * commit of every branch's history reads back exactly the model's snapshot at that commit.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo, type Store } from '../../index.js'

type Model = Map<string, string>
type Op =
  | { kind: 'set'; branch: string; path: string[]; value: string }
  | { kind: 'remove'; branch: string; path: string[] }
  | { kind: 'batch'; branch: string; ops: Array<{ path: string[]; value: string | null }> }
  | { kind: 'fork'; from: string; to: string }
  | { kind: 'read'; branch: string; path: string[] }

const BRANCHES = ['main', 'dev', 'feature/x']
const branch = fc.constantFrom(...BRANCHES)
// Few names, so that paths collide: files become directories and back.
const path = fc.array(fc.constantFrom('a', 'b', 'a-b', 'a.b', 'c'), { minLength: 1, maxLength: 3 })
const value = fc.string({ maxLength: 8 })

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), branch, path, value }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), branch, path }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      branch,
      ops: fc.array(fc.record({ path, value: fc.option(value, { nil: null }) }), { maxLength: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fork' as const), from: branch, to: branch }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), branch, path }) },
)

const key = (p: readonly string[]) => p.join('/')

function modelSet(m: Model, p: string[], v: string): void {
  modelRemove(m, p)
  for (let i = 1; i < p.length; i++) m.delete(key(p.slice(0, i))) // a file in the way becomes a directory
  m.set(key(p), v)
}

function modelRemove(m: Model, p: string[]): void {
  const k = key(p)
  for (const existing of [...m.keys()]) if (existing === k || existing.startsWith(k + '/')) m.delete(existing)
}

function modelList(m: Model, p: string[]): string[] {
  const prefix = p.length ? key(p) + '/' : ''
  const names = new Set<string>()
  for (const k of m.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0])
  return [...names].sort()
}

function sameModel(a: Model, b: Model): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)
}

async function snapshot(store: Store<string>): Promise<Model> {
  const m: Model = new Map()
  for await (const [p, v] of (await store.tree()).walk()) m.set(key(p), v)
  return m
}

describe('model-based: the store agrees with a Map at every commit', () => {
  it('random set/remove/batch/fork/read sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40, size: 'max' }), async ops => {
        const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
        // The model: each branch's snapshots, oldest first, one per commit it made.
        const models = new Map<string, Model[]>()
        const current = (b: string) => models.get(b)?.at(-1) ?? new Map<string, string>()
        const record = (b: string, next: Model) => {
          // A write that changes nothing makes no commit.
          if (models.has(b) && sameModel(current(b), next)) return
          if (!models.has(b) && next.size === 0) return
          models.set(b, [...(models.get(b) ?? []), next])
        }
        for (const o of ops) {
          if (o.kind === 'set') {
            const next = new Map(current(o.branch))
            modelSet(next, o.path, o.value)
            await repo.branch(o.branch).set(o.path, o.value)
            record(o.branch, next)
          } else if (o.kind === 'remove') {
            const next = new Map(current(o.branch))
            modelRemove(next, o.path)
            await repo.branch(o.branch).remove(o.path)
            record(o.branch, next)
          } else if (o.kind === 'batch') {
            const next = new Map(current(o.branch))
            for (const b of o.ops) b.value === null ? modelRemove(next, b.path) : modelSet(next, b.path, b.value)
            await repo.branch(o.branch).batch(tx => {
              for (const b of o.ops) b.value === null ? tx.remove(b.path) : tx.set(b.path, b.value)
            })
            record(o.branch, next)
          } else if (o.kind === 'fork') {
            const source = await repo.branch(o.from).head()
            if (!source || o.from === o.to || models.has(o.to)) continue
            await repo.createBranch(o.to, source.id)
            models.set(o.to, [...models.get(o.from)!])
          } else {
            const store = repo.branch(o.branch)
            const m = current(o.branch)
            expect(await store.find(o.path)).toBe(m.get(key(o.path)))
            expect(await store.list(o.path)).toEqual(modelList(m, o.path))
          }
        }
        expect((await repo.branches()).sort()).toEqual([...models.keys()].sort())
        for (const [b, snapshots] of models) {
          const store = repo.branch(b)
          expect(await snapshot(store)).toEqual(snapshots.at(-1))
          const ids: string[] = []
          for await (const c of store.history()) ids.push(c.id)
          expect(ids.length).toBe(snapshots.length)
          for (const [i, id] of ids.entries()) {
            expect(await snapshot(repo.commit(id))).toEqual(snapshots[snapshots.length - 1 - i])
          }
        }
        await repo.close()
      }),
      { numRuns: Number(process.env.MODEL_RUNS ?? 300) },
    )
  })
})
