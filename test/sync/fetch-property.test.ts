/**
 * Fetch against a model: random edits on two server branches, fetched at random moments (some
 * fetches cut short and resumed). At the end the client's tracking refs name the server's heads,
 * every branch reads the same, fsck is clean, and — values being unique, so no object recurs —
 * no object arrives twice, but for the tail of a cut stream after its last whole commit.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { openMemoryBackend } from '../../index.js'
import { fetchRemote, REMOTES_REF } from '../../sync/index.js'
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
        let sent = 0
        for (const step of ops) {
          if (step.kind === 'fetch') {
            try {
              sent += (await fetchRemote(client, url, { retries: 0, ...(step.cut !== null && { fetch: cuttingFetch(step.cut) }) })).objects
            } catch {
              cuts++ // what arrived is in the store; the next fetch names its commits as haves
            }
            continue
          }
          const store = server.branch(branches[step.branch])
          if (step.kind === 'set') await store.set([`d${step.dir}`, `f${step.file}`], bytes(`value ${unique++}`))
          else if ((await store.find([`d${step.dir}`, `f${step.file}`])) !== undefined) await store.remove([`d${step.dir}`, `f${step.file}`])
        }
        sent += (await fetchRemote(client, url)).objects
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
        expect(sent).toBeLessThanOrEqual(served.size)
        // Nothing arrives twice, but for what a cut stream carried after its last whole commit:
        // one commit's new objects at most (its blob, its directory, the root: 3 here).
        const seen = new Set<string>()
        let again = 0
        for (const id of counts.written) {
          if (id !== remotes && seen.has(id)) again++
          seen.add(id)
        }
        expect(again).toBeLessThanOrEqual(3 * cuts)
      }),
      { numRuns: 25 },
    )
  }, 120_000)
})
