/**
 * git's smart HTTP served by irminsule, beside native git in the same run: `git clone --bare` of
 * the sync suite's 10,000-commit history (~100,000 objects; bench/suites/sync.ts) from
 * `irmin serve` (its `/git` URL, a LevelDB store holding that history) and from `git
 * http-backend` serving the repository itself (tools/git-http-backend.ts). Fresh git processes,
 * alternated, best of two; both clones must arrive at the same head, and ours must pass
 * `git fsck`. Issue 14's target: ≤ 1.5× git's time.
 *
 * IRMIN_BENCH_GIT_COMMITS=N runs it on a smaller history (for development).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGitHttpBackend } from '../../tools/git-http-backend.js'
import { ensureBuilt, type startIrmin } from '../../tools/irmin-cli.js'
import { type Report, time } from '../report.js'
import { exec, serveLevelCopy, writeHistory } from './sync.js'

const SUITE = 'git-protocol'
const COMMITS = Number(process.env.IRMIN_BENCH_GIT_COMMITS ?? 10_000)
const ROUNDS = 2
/** Issue 14: git clone from irmin serve within 1.5× the time of git clone from git http-backend. */
const TARGET = 1 / 1.5

export async function runSuite(report: Report): Promise<void> {
  console.log(`\n== git-protocol: git clone of ${COMMITS.toLocaleString('en-US')} commits over loopback, irmin serve /git vs git http-backend`)
  await ensureBuilt()
  const root = mkdtempSync(join(tmpdir(), 'bench-git-protocol-'))
  const repoDir = join(root, 'history.git')
  let server: ReturnType<typeof startIrmin> | undefined
  let git: Awaited<ReturnType<typeof startGitHttpBackend>> | undefined
  try {
    const head = await writeHistory(repoDir, COMMITS)
    const objects = Number(spawnSync('git', ['count-objects', '-v'], { cwd: repoDir }).stdout.toString().match(/in-pack: (\d+)/)?.[1])
    console.log(`  history written: ${objects.toLocaleString('en-US')} objects, head ${head.slice(0, 12)}`)
    // irmin serves a LevelDB store holding the same history.
    const served = await serveLevelCopy(root, repoDir)
    server = served.server
    const url = `${served.url}git`
    git = await startGitHttpBackend({ root })

    const ours: number[] = []
    const theirs: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const ourDir = join(root, `from-irmin-${round}.git`)
      ours.push(await time(() => exec('git', ['clone', '--quiet', '--bare', url, ourDir])))
      const gitDir = join(root, `from-git-${round}.git`)
      theirs.push(await time(() => exec('git', ['clone', '--quiet', '--bare', `${git!.url}history.git`, gitDir])))
      for (const [who, dir] of [['irmin serve', ourDir], ['git http-backend', gitDir]] as const) {
        const got = spawnSync('git', ['rev-parse', 'main'], { cwd: dir }).stdout.toString().trim()
        report.check(SUITE, `round ${round + 1}: clone from ${who} has the same head`, got === head, got.slice(0, 12))
      }
      if (round === 0) {
        const fsck = spawnSync('git', ['fsck', '--strict', '--no-dangling'], { cwd: ourDir })
        report.check(SUITE, 'git fsck of the clone from irmin serve', fsck.status === 0, fsck.status === 0 ? 'clean' : fsck.stderr.toString().slice(0, 200))
      }
    }
    const oursRow = report.add({ suite: SUITE, name: 'git clone --bare from irmin serve /git (LevelDB)', value: Math.min(...ours), unit: 's', better: 'lower', note: `${objects.toLocaleString('en-US')} objects` })
    const gitRow = report.add({ suite: SUITE, name: 'git clone --bare from git http-backend', value: Math.min(...theirs), unit: 's', better: 'lower' })
    report.ratio(SUITE, 'git clone time, http-backend over irmin serve (≥ 0.67: within 1.5×)', oursRow, gitRow, TARGET)
  } finally {
    await server?.stop()
    await git?.close()
    rmSync(root, { recursive: true, force: true })
  }
}

export { runSuite as run }
