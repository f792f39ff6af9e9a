/**
 * Model test for merges: random concurrent histories of counter, set and log stores on several
 * branches, with merges between them in random orders (criss-crosses included). Once every
 * branch is merged into main, main holds what the model says: the sum of all increments, the
 * union of all added elements, the union of all appended entries.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo, type LogEntry } from '../../index.js'

const BRANCHES = ['main', 'b1', 'b2', 'b3']
const KEYS = ['k0', 'k1', 'k2']

type Op = { kind: 'update'; branch: number; key: number; x: number } | { kind: 'merge'; from: number; into: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('update' as const), branch: fc.nat(3), key: fc.nat(2), x: fc.integer({ min: 1, max: 50 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('merge' as const), from: fc.nat(3), into: fc.nat(3) }) },
)

interface Kind<T> {
  contents: ConstructorParameters<typeof Object>[0]
  empty: T
  update(current: T, x: number, n: number): T
  expected(updates: Array<{ key: number; x: number; n: number }>, key: number): T
}

const counter: Kind<number> = {
  contents: Contents.counter,
  empty: 0,
  update: (current, x) => current + x,
  expected: (updates, key) => updates.filter(u => u.key === key).reduce((sum, u) => sum + u.x, 0),
}

const set: Kind<readonly number[]> = {
  contents: Contents.set<number>(),
  empty: [],
  update: (current, x) => [...current, x],
  expected: (updates, key) => [...new Set(updates.filter(u => u.key === key).map(u => u.x))],
}

const log: Kind<readonly LogEntry[]> = {
  contents: Contents.log(),
  empty: [],
  update: (current, x, n) => [...current, { id: `e${n}`, time: x, text: `entry ${n}` }],
  expected: (updates, key) => updates.filter(u => u.key === key).map(u => ({ id: `e${u.n}`, time: u.x, text: `entry ${u.n}` })),
}

async function run<T>(kind: Kind<T>, ops: Op[], finalOrder: number[]): Promise<void> {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: kind.contents as never })
  const store = (b: number) => repo.branch(BRANCHES[b])
  await store(0).batch(tx => KEYS.forEach(k => tx.set([k], kind.empty as never)))
  for (const b of [1, 2, 3]) await repo.createBranch(BRANCHES[b])
  const updates: Array<{ key: number; x: number; n: number }> = []
  for (const [n, o] of ops.entries()) {
    if (o.kind === 'update') {
      const current = (await store(o.branch).get([KEYS[o.key]])) as T
      // Each branch is its own writer: two identical commits (same parent, change, author and
      // second) are one commit in a content-addressed store, and so one increment.
      await store(o.branch).set([KEYS[o.key]], kind.update(current, o.x, n) as never, { author: `writer ${o.branch} <w${o.branch}@example.org>` })
      updates.push({ key: o.key, x: o.x, n })
    } else if (o.from !== o.into) {
      await store(o.into).mergeWithBranch(BRANCHES[o.from])
    }
  }
  for (const b of finalOrder) if (b !== 0) await store(0).mergeWithBranch(BRANCHES[b])
  const codec = kind.contents as { encode(v: unknown): Uint8Array; decode(b: Uint8Array): unknown }
  for (const [key, name] of KEYS.entries()) {
    const canonical = codec.decode(codec.encode(kind.expected(updates, key)))
    expect(await store(0).get([name])).toEqual(canonical)
  }
  await repo.close()
}

describe('merging concurrent histories agrees with the model', () => {
  const arbitraries = [fc.array(op, { minLength: 1, maxLength: 40, size: 'max' }), fc.shuffledSubarray([1, 2, 3], { minLength: 3, maxLength: 3 })] as const
  it('counters: the sum of every increment', async () => {
    await fc.assert(fc.asyncProperty(...arbitraries, (ops, order) => run(counter, ops, order)), { numRuns: Number(process.env.MERGE_RUNS ?? 60) })
  })
  it('sets: the union of every added element', async () => {
    await fc.assert(fc.asyncProperty(...arbitraries, (ops, order) => run(set, ops, order)), { numRuns: Number(process.env.MERGE_RUNS ?? 60) })
  })
  it('logs: the union of every appended entry, in time order', async () => {
    await fc.assert(fc.asyncProperty(...arbitraries, (ops, order) => run(log, ops, order)), { numRuns: Number(process.env.MERGE_RUNS ?? 60) })
  })
})
