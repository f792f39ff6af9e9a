/**
 * Model-based test of serializability: random transactions (reads, listings, writes, writes
 * derived from what they read, removals over a small key space) run interleaved, as explicit
 * transactions stepped in a random order and as `batch` callbacks racing for real. Whatever
 * committed must be what running the committed transactions one after another, in commit order,
 * on a plain Map gives: the same state after each commit, and the same answer to every read.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo, type Store, TransactionConflictError } from '../../index.js'

type Step =
  | { op: 'read'; key: number }
  | { op: 'list'; dir: number }
  | { op: 'write'; key: number; value: string }
  | { op: 'derive'; key: number; from: number }
  | { op: 'remove'; key: number }

const KEYS = 5
const DIRS = 2
const pathOf = (key: number) => [`d${key % DIRS}`, `k${key}`]
const keyName = (key: number) => pathOf(key).join('/')

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('read' as const), key: fc.nat(KEYS - 1) }),
  fc.record({ op: fc.constant('list' as const), dir: fc.nat(DIRS - 1) }),
  fc.record({ op: fc.constant('write' as const), key: fc.nat(KEYS - 1), value: fc.constantFrom('a', 'b', 'c') }),
  fc.record({ op: fc.constant('derive' as const), key: fc.nat(KEYS - 1), from: fc.nat(KEYS - 1) }),
  fc.record({ op: fc.constant('remove' as const), key: fc.nat(KEYS - 1) }),
)
const program = fc.array(step, { minLength: 1, maxLength: 5 })
const initial = fc.array(fc.option(fc.constantFrom('x', 'y'), { nil: undefined }), { minLength: KEYS, maxLength: KEYS })

/** What a transaction can be asked: the answers it saw are compared with the serial run's. */
interface View {
  find(path: string[]): Promise<string | undefined>
  list(path: string[]): Promise<string[]>
  set(path: string[], value: string): void
  remove(path: string[]): void
}

/** Runs `steps` as transaction `name` through `view`; returns the answers of its reads, in order. */
async function run(name: string, steps: readonly Step[], view: View, pause: () => Promise<void> = async () => {}): Promise<unknown[]> {
  const seen: unknown[] = []
  for (const s of steps) {
    await pause()
    if (s.op === 'read') seen.push(await view.find(pathOf(s.key)))
    else if (s.op === 'list') seen.push(await view.list([`d${s.dir}`]))
    else if (s.op === 'write') view.set(pathOf(s.key), s.value)
    else if (s.op === 'remove') view.remove(pathOf(s.key))
    else {
      const from = await view.find(pathOf(s.from))
      seen.push(from)
      view.set(pathOf(s.key), `${from ?? '-'}.${name}`)
    }
  }
  return seen
}

/** The serial model: a Map from `d/k` to value, used as a transaction's view. */
function mapView(m: Map<string, string>): View {
  return {
    find: async p => m.get(p.join('/')),
    list: async p => [...m.keys()].filter(k => k.startsWith(`${p[0]}/`)).map(k => k.split('/')[1]).sort(),
    set: (p, v) => void m.set(p.join('/'), v),
    remove: p => void m.delete(p.join('/')),
  }
}

async function contents(store: Store<string>): Promise<Map<string, string>> {
  const m = new Map<string, string>()
  for await (const [p, v] of (await store.tree()).walk()) if (p[0] !== 'log') m.set(p.join('/'), v)
  return m
}

async function seeded(values: ReadonlyArray<string | undefined>) {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
  const main = repo.branch('main')
  const model = new Map<string, string>()
  await main.batch(tx => {
    tx.set(['seed'], 'seed')
    values.forEach((v, key) => {
      if (v === undefined) return
      tx.set(pathOf(key), v)
      model.set(keyName(key), v)
    })
  })
  model.set('seed', 'seed')
  return { repo, main, model }
}

describe('transactions are serializable (model: one Map, committed transactions in commit order)', () => {
  it('explicit transactions stepped in a random interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(
        initial,
        fc.array(fc.record({ steps: program, abort: fc.boolean() }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.nat(3), { maxLength: 40 }),
        async (values, txs, schedule) => {
          const { repo, main, model } = await seeded(values)
          // Each transaction is a queue of actions: begin, its steps one by one, then commit or abort.
          const answers = txs.map(() => [] as unknown[])
          const handles = txs.map(() => undefined as Awaited<ReturnType<Store<string>['transaction']>> | undefined)
          const committed: number[] = []
          const queues = txs.map((t, i) => [
            async () => void (handles[i] = await main.transaction()),
            ...t.steps.map(s => async () => void answers[i].push(...(await run(`t${i}`, [s], handles[i]!)))),
            async () => {
              if (t.abort) return handles[i]!.abort()
              try {
                await handles[i]!.commit({ message: `t${i}` })
                committed.push(i)
                // The serial run: this transaction after every one committed before it.
                expect(await run(`t${i}`, t.steps, mapView(model))).toEqual(answers[i])
                expect(await contents(main)).toEqual(model)
              } catch (error) {
                if (!(error instanceof TransactionConflictError)) throw error
                expect(error.paths.length).toBeGreaterThan(0)
              }
            },
          ])
          for (const pick of schedule) {
            const live = queues.filter(q => q.length > 0)
            if (live.length === 0) break
            await live[pick % live.length].shift()!()
          }
          for (const q of queues) while (q.length > 0) await q.shift()!()
          expect(await contents(main)).toEqual(model)
          expect((await repo.fsck()).damage).toEqual([])
          await repo.close()
        },
      ),
      { numRuns: Number(process.env.MODEL_RUNS ?? 200) },
    )
  })

  it('batches racing for the branch, each yielding at random points', async () => {
    await fc.assert(
      fc.asyncProperty(
        initial,
        fc.array(fc.record({ steps: program, yields: fc.array(fc.nat(2), { minLength: 6, maxLength: 6 }) }), { minLength: 2, maxLength: 4 }),
        async (values, batches) => {
          const { repo, main, model } = await seeded(values)
          const answers = batches.map(() => [] as unknown[])
          await Promise.all(
            batches.map((b, i) =>
              main.batch(
                async tx => {
                  let n = 0
                  const pause = async () => {
                    for (let k = 0; k < b.yields[n++ % b.yields.length]; k++) await new Promise(resolve => setImmediate(resolve))
                  }
                  answers[i] = await run(`b${i}`, b.steps, tx, pause)
                  tx.set(['log', `b${i}`], 'done') // every batch commits, so history gives the order
                },
                { message: `b${i}` },
              ),
            ),
          )
          const order: number[] = []
          for await (const c of main.history()) if (/^b\d+$/.test(c.message)) order.unshift(Number(c.message.slice(1)))
          expect([...order].sort()).toEqual(batches.map((_, i) => i))
          for (const i of order) expect(await run(`b${i}`, batches[i].steps, mapView(model))).toEqual(answers[i])
          expect(await contents(main)).toEqual(model)
          await repo.close()
        },
      ),
      { numRuns: Number(process.env.MODEL_RUNS ?? 200) },
    )
  })

  it('disjoint transactions never conflict, in any interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 4 }), fc.array(fc.nat(3), { maxLength: 30 }), async (txs, schedule) => {
        const { repo, main } = await seeded([])
        // Transaction i only touches names of its own, in directories the others share.
        const own = (i: number, j: number) => [`d${j % DIRS}`, `t${i}-${j}`]
        const handles = txs.map(() => undefined as Awaited<ReturnType<Store<string>['transaction']>> | undefined)
        const queues = txs.map((reads, i) => [
          async () => void (handles[i] = await main.transaction()),
          ...reads.map((read, j) => async () => {
            if (read) await handles[i]!.find(own(i, j))
            else handles[i]!.set(own(i, j), `${i}.${j}`)
          }),
          async () => void (await handles[i]!.commit()),
        ])
        for (const pick of schedule) {
          const live = queues.filter(q => q.length > 0)
          if (live.length === 0) break
          await live[pick % live.length].shift()!()
        }
        for (const q of queues) while (q.length > 0) await q.shift()!()
        for (const [i, reads] of txs.entries()) {
          for (const [j, read] of reads.entries()) expect(await main.find(own(i, j))).toBe(read ? undefined : `${i}.${j}`)
        }
        await repo.close()
      }),
      { numRuns: 100 },
    )
  })
})
