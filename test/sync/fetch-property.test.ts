/**
 * Fetch against a model: random edits on two server branches, fetched at random moments (some
 * fetches cut short and resumed). At the end the client's tracking refs name the server's heads,
 * every branch reads the same, fsck is clean, and no object arrives again that the client's
 * tips reach (the protocol's promise: the server compares with the trees of the haves; a tree the
 * client holds only from older history — a branch gone back to an earlier state — may come again,
 * and so may the tail of a cut stream after its last whole commit).
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { openMemoryBackend } from '../../index.js'
import { fetchRemote, REMOTES_REF } from '../../sync/index.js'
import { reachable } from '../../core/reachable.js'
import type { Repo } from '../../index.js'
import { countingBackend } from '../helpers/counting-backend.js'
import { bytes, closeServers, contentsOf, objectIds, openRepo, serveRepo } from './helpers.js'
import { cuttingFetch } from '../helpers/cutting-fetch.js'

afterEach(closeServers)

type Op = { kind: 'set'; branch: 0 | 1; dir: number; file: number } | { kind: 'remove'; branch: 0 | 1; dir: number; file: number } | { kind: 'fetch'; cut: number | null }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), branch: fc.constantFrom(0 as const, 1 as const), dir: fc.nat(3), file: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), branch: fc.constantFrom(0 as const, 1 as const), dir: fc.nat(3), file: fc.nat(4) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fetch' as const), cut: fc.option(fc.integer({ min: 50, max: 3000 }), { nil: null }) }) },
)

describe('fetch against a model', () => {
  it('converges, sends nothing twice, and stays fsck clean', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async ops => {
        await closeServers()
        const server = await openRepo()
        const url = await serveRepo(server)
        const { backend, counts } = countingBackend(openMemoryBackend())
        const client = await openRepo(backend)
        let cuts = 0
        const branches = ['main', 'side']
        let unique = 0
        const seen = new Set<string>()
        let again = 0
        /** Runs a fetch; counts what arrived again although the client's tips reached it. */
        const fetching = async (run: () => Promise<unknown>) => {
          const tips = await tipObjects(client)
          const from = counts.written.length
          try {
            await run()
          } finally {
            for (const id of counts.written.slice(from)) {
              if (seen.has(id) && tips.has(id)) again++
              seen.add(id)
            }
          }
        }
        for (const step of ops) {
          if (step.kind === 'fetch') {
            await fetching(() => fetchRemote(client, url, { retries: 0, ...(step.cut !== null && { fetch: cuttingFetch(step.cut) }) })).catch(() => {
              cuts++ // what arrived is in the store; the next fetch names its commits as haves
            })
            continue
          }
          const store = server.branch(branches[step.branch])
          if (step.kind === 'set') await store.set([`d${step.dir}`, `f${step.file}`], bytes(`value ${unique++}`))
          else if ((await store.find([`d${step.dir}`, `f${step.file}`])) !== undefined) await store.remove([`d${step.dir}`, `f${step.file}`])
        }
        await fetching(() => fetchRemote(client, url))
        const remotes = await client.backend.getRef(REMOTES_REF)
        const held = [...(await objectIds(client.backend))].filter(id => id !== remotes)
        const served = await objectIds(server.backend)
        expect(new Set(held)).toEqual(served)
        for (const branch of await server.branches()) {
          const head = await client.backend.getRef(`refs/remotes/origin/${branch}`)
          expect(head).toBe(await server.branch(branch).headId())
          await client.createBranch(`copy-${branch}`, head)
          expect(await contentsOf(client, `copy-${branch}`)).toEqual(await contentsOf(server, branch))
        }
        expect((await client.fsck()).damage).toEqual([])
        expect(again, `objects sent again that the client's tips reached (${cuts} cut fetches)`).toBe(0)
      }),
      { numRuns: 25 },
    )
  }, 120_000)
})

/** Every object the client's tips (tracking and resume refs: its haves) reach from their root trees. */
async function tipObjects(client: Repo<Uint8Array>): Promise<Set<string>> {
  const refs = [...(await client.backend.listRefs('refs/remotes/')), ...(await client.backend.listRefs('refs/irmin/resume/'))]
  const roots = await Promise.all(refs.map(async ([, id]) => (await client.readCommit(id)).tree))
  const ids = new Set<string>()
  await reachable(client.objects, roots, { onObject: id => ids.add(id) })
  return ids
}
