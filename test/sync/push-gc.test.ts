/**
 * Garbage collection beside concurrent pushes, on memory, LevelDB and git: four clients push
 * their own branches and merge into main, streams arriving a slice at a time, while the server
 * collects in a loop and branches are
 * deleted and throwaway pushes overwritten. Every landed push is readable in full afterwards and
 * fsck is clean; a push may be refused only with a code a client retries on (its view went stale).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { Contents, Repo } from '../../index.js'
import { SyncError } from '../../sync/errors.js'
import { gcBackends } from '../helpers/gc-backends.js'
import { removeDir } from '../helpers/git.js'
import { bytes, openRepo, receive, pushBytes, text } from './push-helpers.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

const CLIENTS = 4
const ROUNDS = 8
const tick = () => new Promise(resolve => setImmediate(resolve))

/** The stream in slices with a pause between, so collections run in the middle of it. */
async function* slowly(all: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < all.length; at += 97) {
    yield all.subarray(at, at + 97)
    await tick()
  }
}

describe.each(gcBackends(dirs))('GC beside concurrent pushes (%s)', (_name, open) => {
  it('keeps every landed push whole and leaves fsck clean', { timeout: 120_000 }, async () => {
    const { backend } = await open()
    const server = await Repo.open({ backend, contents: Contents.bytes })
    const landed: Array<{ commit: string; path: string[]; value: string }> = []
    const refusals: string[] = []
    let pushing = CLIENTS

    const client = async (c: number) => {
      const repo = await openRepo()
      const own = repo.branch(`c${c}`)
      for (let round = 0; round < ROUNDS; round++) {
        const value = `c${c} r${round}`
        const path = [`c${c}`, `k${round % 3}`]
        await own.set(path, bytes(value))
        for (const [ref, mode] of [[`c${c}`, 'force'], ['main', 'merge']] as const) {
          // A client whose view went stale builds the push again, as the real one does.
          for (let attempt = 0; ; attempt++) {
            const { bytes: stream, head } = await pushBytes(repo, `c${c}`, server, { ref: `refs/heads/${ref}`, old: null, mode })
            try {
              const result = await receive(server, slowly(stream))
              landed.push({ commit: result.new!, path, value })
              if (ref === `c${c}`) expect(result.new).toBe(head)
              break
            } catch (error) {
              if (!(error instanceof SyncError) || !['EINCOMPLETE', 'ESTALE'].includes(error.code) || attempt === 20) throw error
              refusals.push(error.code)
            }
          }
        }
        // A throwaway push, overwritten at once: garbage for the collector.
        const scratch = repo.branch(`t${c}`)
        await scratch.set(['scratch'], bytes(`${c} ${round} ${Math.random()}`))
        const forced = { ref: `refs/heads/t${c}`, old: null, mode: 'force' } as const
        await receive(server, slowly((await pushBytes(repo, `t${c}`, server, forced)).bytes)).catch(error => {
          if (!(error instanceof SyncError) || error.code !== 'ESTALE') throw error
        })
        await repo.deleteBranch(`t${c}`)
        // Now and then a branch goes: what only it reached is garbage for the next collection.
        if (round % 3 === 2) await server.deleteBranch(`c${c}`).catch(() => {})
      }
      pushing--
    }

    let deleted = 0
    let collections = 0
    const collector = async () => {
      while (pushing > 0) {
        deleted += (await server.gc()).removed
        collections++
        await tick()
      }
    }
    await Promise.all([collector(), ...Array.from({ length: CLIENTS }, (_, c) => client(c))])
    deleted += (await server.gc()).removed

    expect((await server.fsck()).damage).toEqual([])
    // Main holds every client's merged values (each merge kept the others').
    const main = server.branch('main')
    for (let c = 0; c < CLIENTS; c++) expect(text(await main.get([`c${c}`, `k${(ROUNDS - 1) % 3}`]))).toBe(`c${c} r${ROUNDS - 1}`)
    // Landed commits still named by a ref read in full.
    const named = new Set((await server.backend.listRefs('refs/heads/')).map(([, id]) => id))
    for (const { commit, path, value } of landed.filter(l => named.has(l.commit))) {
      expect(text(await server.commit(commit).get(path))).toBe(value)
    }
    // The collections ran beside the pushes and found garbage to delete.
    expect(collections).toBeGreaterThan(5)
    expect(deleted).toBeGreaterThan(0)

  })
})
