/**
 * Property: three replicas (memory backends, each served in-process) write, fetch, pull and push
 * in a random order, with streams cut at random points (downloads and uploads; an attempt may
 * resume or fail) and collections in between. After a final round of pulls and pushes they all
 * have the same head, and nothing committed anywhere is lost: the model is each replica's own
 * map of writes (replica r writes only under `r<r>/`, each value unique), and the converged tree
 * is the union of those maps, with every commit any replica made in the converged history.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { IrminError, type Repo } from '../../index.js'
import { addRemote } from '../../sync/index.js'
import { bytes, closeServers, contentsOf, openRepo, serveRepo } from './helpers.js'

afterEach(closeServers)

const REPLICAS = 3

type Op =
  | { kind: 'write'; r: number; key: number }
  | { kind: 'fetch' | 'pull'; r: number; from: number; cut?: number; retries: number; merge: boolean }
  | { kind: 'push'; r: number; to: number; cut?: number; retries: number; merge: boolean }
  | { kind: 'gc'; r: number }

const replica = fc.nat(REPLICAS - 1)
const other = (r: number) => fc.nat(REPLICAS - 2).map(k => (k >= r ? k + 1 : k))
const transfer = fc.record({ cut: fc.option(fc.nat(4_000), { nil: undefined }), retries: fc.nat(1), merge: fc.boolean() })
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('write' as const), r: replica, key: fc.nat(3) }) },
  replica.chain(r => fc.record({ kind: fc.constantFrom('fetch' as const, 'pull' as const), r: fc.constant(r), from: other(r) }).chain(o => transfer.map(t => ({ ...o, ...t })))),
  replica.chain(r => fc.record({ kind: fc.constant('push' as const), r: fc.constant(r), to: other(r) }).chain(o => transfer.map(t => ({ ...o, ...t })))),
  fc.record({ kind: fc.constant('gc' as const), r: replica }),
)

/** A stream that passes `limit` bytes, then breaks (inside a frame, most likely). */
function cutAfter(source: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  const reader = source.getReader()
  let passed = 0
  return new ReadableStream({
    async pull(controller) {
      const next = await reader.read()
      if (next.done) return controller.close()
      if (passed + next.value.length > limit) {
        controller.enqueue(next.value.subarray(0, limit - passed))
        reader.cancel().catch(() => {})
        return controller.error(new Error('cut'))
      }
      passed += next.value.length
      controller.enqueue(next.value)
    },
  })
}

/** A `fetch` whose first object stream (a fetch reply or a push upload) breaks after `limit` bytes. */
function cutting(limit: number | undefined): typeof fetch {
  let armed = limit !== undefined
  return async (input, init) => {
    const url = String(input)
    if (armed && url.endsWith('/push') && init?.body instanceof ReadableStream) {
      armed = false
      return fetch(input, { ...init, body: cutAfter(init.body, limit!) } as RequestInit)
    }
    const response = await fetch(input, init)
    if (armed && url.endsWith('/fetch') && response.body) {
      armed = false
      return new Response(cutAfter(response.body, limit!), { status: response.status, headers: response.headers })
    }
    return response
  }
}

/**
 * Refusals a replica may meet on the way (it tries again later): not a fast-forward, a cut
 * stream, a remote without the branch yet. Anything else fails the property.
 */
const EXPECTED = new Set(['ENONFASTFORWARD', 'ETRUNCATED', 'EOFFLINE', 'ENOTFOUND'])

async function tolerate(work: Promise<unknown>): Promise<void> {
  try {
    await work
  } catch (error) {
    if (!(error instanceof IrminError) || !EXPECTED.has(error.code)) throw error
  }
}

async function run(ops: readonly Op[]): Promise<void> {
  const repos: Repo<Uint8Array>[] = []
  const urls: string[] = []
  for (let r = 0; r < REPLICAS; r++) {
    repos.push(await openRepo())
    urls.push(await serveRepo(repos[r]))
  }
  for (let r = 0; r < REPLICAS; r++) for (let j = 0; j < REPLICAS; j++) if (j !== r) await addRemote(repos[r], { name: `p${j}`, url: urls[j] })
  const model: Array<Map<string, string>> = repos.map(() => new Map())
  const commits: string[] = []
  let unique = 0

  for (const o of ops) {
    const repo = repos[o.r]
    switch (o.kind) {
      case 'write': {
        // Values of a few hundred bytes, so that streams are long enough to be cut inside.
        const value = `r${o.r} #${unique++} ${'.'.repeat(300)}`
        const head = await repo.branch('main').set([`r${o.r}`, `k${o.key}`], bytes(value))
        model[o.r].set(`r${o.r}/k${o.key}`, value)
        commits.push(head!.id)
        break
      }
      case 'fetch':
        await tolerate(repo.fetch(`p${o.from}`, 'main', { fetch: cutting(o.cut), retries: o.retries }))
        break
      case 'pull':
        await tolerate(repo.pull(`p${o.from}`, 'main', { fetch: cutting(o.cut), retries: o.retries, strategy: o.merge ? 'merge' : 'fast-forward' }))
        break
      case 'push':
        if ((await repo.branch('main').headId()) === undefined) break
        await tolerate(repo.push(`p${o.to}`, 'main', { fetch: cutting(o.cut), retries: o.retries, mode: o.merge ? 'merge' : 'fast-forward' }))
        break
      case 'gc':
        await repo.gc()
        break
    }
  }

  // Converge through replica 0: each other one merges its work in and pushes, then all catch up.
  for (let r = 1; r < REPLICAS; r++) {
    if ((await repos[0].branch('main').headId()) !== undefined) await repos[r].pull('p0', 'main', { strategy: 'merge' })
    if ((await repos[r].branch('main').headId()) !== undefined) await repos[r].push('p0', 'main')
  }
  for (let r = 1; r < REPLICAS; r++) if ((await repos[0].branch('main').headId()) !== undefined) await repos[r].pull('p0', 'main')

  const heads = await Promise.all(repos.map(repo => repo.branch('main').headId()))
  expect(new Set(heads).size).toBe(1)
  const union = new Map(model.flatMap(m => [...m]))
  for (const repo of repos) {
    expect(new Map(await contentsOf(repo))).toEqual(union)
    expect((await repo.fsck()).damage).toEqual([])
  }
  if (heads[0] !== undefined) {
    const history = new Set<string>()
    for await (const commit of repos[0].history(heads[0])) history.add(commit.id)
    expect(commits.filter(id => !history.has(id))).toEqual([])
  }
}

describe('three replicas syncing in random order, with interruptions', () => {
  it('converge to one head and lose nothing committed anywhere', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 8, maxLength: 40 }), ops => run(ops).finally(closeServers)),
      { numRuns: 30 },
    )
  })
})
