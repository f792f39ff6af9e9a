/**
 * The git backend on the standard workload (bench/workload.ts): 100,000 keys committed 1,000
 * per commit through `store.batch` into a fresh repository, beside native `git fast-import` on
 * the same workload; both must arrive at the same tree and commit, and the repository the engine
 * wrote must pass `git fsck --strict`. Then, as information, cold point reads: a fresh process
 * opens that repository and reads 10,000 random keys with `store.get`, beside
 * `git cat-file --batch` reading the same paths.
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openGitBackend } from '../../backends/git/index.js'
import { type CommitInfo, Contents, Repo } from '../../index.js'
import { isolated } from '../isolate.js'
import { type Report, time } from '../report.js'
import { keyPath, KEYS_PER_COMMIT, writeWorkload } from '../workload.js'

const SUITE = 'git-backend'
const TOTAL = 100_000
const READS = 10_000
const ROUNDS = 3
const CORE = new URL('./core.ts', import.meta.url).href

interface Result {
  seconds: number
  tree: string
  commit: string
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

async function bulk(total: number, dir: string): Promise<Result> {
  const repo = await Repo.open({ backend: await openGitBackend(dir, { create: true }), contents: Contents.bytes })
  const main = repo.branch('main')
  let head!: CommitInfo
  // Closing is timed too: it waits for any pack roll-up still running in the background.
  const seconds = await time(async () => {
    head = await writeWorkload(main, total)
    await repo.close()
  })
  return { seconds, tree: head.tree, commit: head.id }
}

/** The 10,000 random keys both readers read, the same in every process. */
function randomKeys(total: number, reads: number): string[][] {
  let seed = 12345
  return Array.from({ length: reads }, () => keyPath((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % total))
}

// Measurements, each run in a fresh process by `isolated` (exported for that reason).

/** A small warm-up write into a throwaway repository first, then the measured write into `dir`. */
export async function measureGitBulk(total: number, dir: string): Promise<Result> {
  const warmUp = tempDir('bench-git-warm-')
  try {
    await bulk(10_000, warmUp)
  } finally {
    rmSync(warmUp, { recursive: true, force: true })
  }
  return bulk(total, dir)
}

/** Opening the repository and reading `reads` random keys, one `store.get` at a time. */
export async function measureColdReads(dir: string, total: number, reads: number): Promise<{ perSecond: number; openMs: number }> {
  const keys = randomKeys(total, reads)
  let openMs = 0
  let repo: Repo<Uint8Array> | undefined
  const seconds = await time(async () => {
    openMs = (await time(async () => (repo = await Repo.open({ backend: await openGitBackend(dir), contents: Contents.bytes })))) * 1000
    const main = repo!.branch('main')
    for (const key of keys) await main.get(key)
  })
  await repo!.close()
  return { perSecond: reads / seconds, openMs }
}

/** `git cat-file --batch` given the same keys as `main:<path>`, from its start to its exit. */
export async function measureCatFile(dir: string, total: number, reads: number): Promise<{ perSecond: number }> {
  const input = randomKeys(total, reads)
    .map(key => `main:${key.join('/')}\n`)
    .join('')
  const seconds = await time(async () => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'] })
    let bytes = 0
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length))
    child.stdin.end(input)
    const [code] = await once(child, 'exit')
    if (code !== 0 || bytes < reads * 100) throw new Error(`git cat-file exited with ${code} after ${bytes} bytes`)
  })
  return { perSecond: reads / seconds }
}

function best<T extends { seconds: number }>(runs: T[]): T {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a))
}

export async function run(report: Report): Promise<void> {
  console.log(`\n== git backend: standard workload, ${TOTAL.toLocaleString('en-US')} keys, ${KEYS_PER_COMMIT} per commit, into a git repository`)
  const here = import.meta.url
  const dirs: string[] = []
  try {
    // Engine and fast-import interleaved, best of three each, every run in a fresh process.
    const engineRuns: Array<Result & { dir: string }> = []
    const fastImportRuns: Result[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const dir = tempDir('bench-git-')
      dirs.push(dir)
      engineRuns.push({ ...(await isolated<Result>(here, 'measureGitBulk', TOTAL, dir)), dir })
      fastImportRuns.push(await isolated<Result>(CORE, 'measureFastImport', TOTAL))
    }
    const engine = best(engineRuns)
    const fastImport = best(fastImportRuns)
    const ours = report.add({ suite: SUITE, name: 'bulk write, irminsule git backend (durable, one pack per commit)', value: TOTAL / engine.seconds, unit: 'keys/s', better: 'higher' })
    const peer = report.add({ suite: SUITE, name: 'bulk write, native git fast-import', value: TOTAL / fastImport.seconds, unit: 'keys/s', better: 'higher' })
    report.ratio(SUITE, 'git backend bulk write vs git fast-import', ours, peer, 1)
    report.check(SUITE, 'same final tree: git backend, fast-import', engine.tree === fastImport.tree, engine.tree)
    report.check(SUITE, 'same final commit: git backend, fast-import', engine.commit === fastImport.commit, engine.commit)
    const fsck = spawnSync('git', ['fsck', '--strict', '--no-progress'], { cwd: engine.dir, maxBuffer: 64 * 1024 * 1024 })
    const problems = (fsck.stdout.toString() + fsck.stderr.toString()).trim()
    report.check(SUITE, 'git fsck --strict of the repository the git backend wrote', fsck.status === 0 && problems === '', problems.split('\n')[0] || 'clean')

    const reads = await isolated<{ perSecond: number; openMs: number }>(here, 'measureColdReads', engine.dir, TOTAL, READS)
    const catFile = await isolated<{ perSecond: number }>(here, 'measureCatFile', engine.dir, TOTAL, READS)
    const readRow = report.add({
      suite: SUITE,
      name: 'cold point reads (fresh process: open, then store.get one by one)',
      value: reads.perSecond,
      unit: 'reads/s',
      better: 'higher',
      note: `${READS.toLocaleString('en-US')} random keys; opening took ${reads.openMs.toFixed(1)} ms`,
    })
    const catRow = report.add({ suite: SUITE, name: 'cold point reads, git cat-file --batch (same paths)', value: catFile.perSecond, unit: 'reads/s', better: 'higher' })
    report.ratio(SUITE, 'cold point reads vs git cat-file --batch', readRow, catRow)
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}
