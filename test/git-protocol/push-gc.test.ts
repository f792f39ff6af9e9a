/**
 * `git push` from several clones at once, into `irmin serve` over memory, LevelDB and git
 * backends, while the server collects garbage in a loop and another writer commits in-process. Each clone pushes its own branch and, rebasing when refused, `main`. Afterwards
 * every acknowledged push is in its branch's history, every branch reads whole, `repo.fsck()` is
 * clean, and a fresh `git clone` passes `git fsck`.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Contents, Repo } from '../../index.js'
import { gcBackends } from '../helpers/gc-backends.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { checkReachable } from '../helpers/reachable.js'
import { bytes, closeServers } from '../sync/helpers.js'
import { gitOk, gitRun, gitUrl } from './helpers.js'

const dirs: string[] = []
afterAll(async () => {
  await closeServers()
  dirs.forEach(removeDir)
})

const CLONES = 3
const ROUNDS = 4

describe.each(gcBackends(dirs))('git push beside GC and another writer (%s)', (_name, open) => {
  it('keeps every acknowledged push, fsck clean', { timeout: 240_000 }, async () => {
    const { backend } = await open()
    const repo = await Repo.open({ backend, contents: Contents.bytes })
    await repo.branch('main').set(['start'], bytes('0'))
    const { url } = await gitUrl(repo)
    const work = tempDir()
    dirs.push(work)
    const acknowledged = new Map<string, string[]>() // branch → commits git push reported landed
    const ack = (branch: string, id: string) => acknowledged.set(branch, [...(acknowledged.get(branch) ?? []), id])
    let pushing = CLONES
    let collections = 0
    let writes = 0

    const clone = async (c: number) => {
      const dir = join(work, `c${c}`)
      await gitOk(work, ['clone', '-q', url, dir])
      await gitOk(dir, ['checkout', '-q', '-b', `c${c}`])
      for (let round = 0; round < ROUNDS; round++) {
        writeFileSync(join(dir, `c${c}-${round}.txt`), `clone ${c} round ${round}\n`)
        await gitOk(dir, ['add', '.'])
        await gitOk(dir, ['commit', '-q', '-m', `c${c} r${round}`])
        await gitOk(dir, ['push', '-q', 'origin', `c${c}`])
        ack(`c${c}`, (await gitOk(dir, ['rev-parse', 'HEAD'])).trim())
        // main: rebased onto what others landed, until the push is a fast-forward.
        for (let attempt = 0; ; attempt++) {
          await gitOk(dir, ['fetch', '-q', 'origin'])
          await gitOk(dir, ['rebase', '-q', 'origin/main'])
          const pushed = await gitRun(dir, ['push', '-q', 'origin', `HEAD:main`])
          if (pushed.code === 0) {
            ack('main', (await gitOk(dir, ['rev-parse', 'HEAD'])).trim())
            break
          }
          expect(pushed.stderr).toMatch(/rejected|fetch first|non-fast-forward|stale/)
          if (attempt === 30) throw new Error(`clone ${c} could not push main: ${pushed.stderr}`)
        }
        await gitOk(dir, ['push', '-q', '--force', 'origin', `HEAD:c${c}`]) // the rebased branch: a forced push
        ack(`c${c}`, (await gitOk(dir, ['rev-parse', 'HEAD'])).trim())
      }
      pushing--
    }
    const collector = async () => {
      while (pushing > 0) {
        await repo.gc()
        collections++
        await new Promise(resolve => setTimeout(resolve, 5))
      }
    }
    // Its own branch: on main, a writer committing every few milliseconds would starve the clones'
    // fetch-rebase-push loops (each takes a few hundred); the clones contend on main among themselves.
    const writer = async () => {
      const branch = repo.branch('writer')
      while (pushing > 0) {
        await branch.set(['writer', `w${writes % 5}`], bytes(`write ${writes}`))
        writes++
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    }
    await Promise.all([...Array.from({ length: CLONES }, (_, c) => clone(c)), collector(), writer()])
    expect(collections).toBeGreaterThan(0)
    expect(writes).toBeGreaterThan(0)

    for (const [branch, ids] of acknowledged) {
      const history = new Set<string>()
      for await (const commit of repo.branch(branch).history()) history.add(commit.id)
      for (const id of ids.slice(branch === 'main' ? 0 : -1)) expect(history.has(id), `${branch} holds ${id}`).toBe(true)
    }
    expect(acknowledged.get('main')).toHaveLength(CLONES * ROUNDS)
    await checkReachable(repo)
    expect((await repo.fsck()).damage).toEqual([])
    await gitOk(work, ['clone', '-q', url, 'final'])
    await gitOk(join(work, 'final'), ['fsck', '--strict', '--no-dangling'])
    await repo.close()
  })
})
