/**
 * Garbage collection on LevelDB, and on the git backend beside git's own `git gc`.
 * - A store of about 1,000,000 objects, half of them unreachable (a branch of 500,000 keys
 *   written, then deleted, beside a kept branch of 500,000 keys): objects scanned per second and
 *   peak RSS growth during `repo.gc()`, in a fresh process. Beside it, the bare minimum of a
 *   sweep: iterating the same LevelDB keys with no engine (how fast a scan can possibly go).
 * - A sliding window: 100 windows of 10 commits over a fixed key space, `gc({ keepCommits: 10 })`
 *   after each; the store's size after every collection against one window's worth of data.
 * - The git backend: the same workload at a fifth of the size (git writes one fsynced pack per
 *   batch), `repo.gc({ pruneExpire: now })` against `git gc --prune=now` and `git repack -a -d`
 *   on copies of the same repository, reported as ratios.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { type Backend, Contents, openGitBackend, openLevelBackend, openPostgresBackend, Repo } from '../../index.js'
import { reachable } from '../../core/reachable.js'
import { isolated } from '../isolate.js'
import { type Report, time } from '../report.js'
import { AUTHOR, DATE, value } from '../workload.js'

const SUITE = 'gc'
const HALF = 500_000
const PER_COMMIT = 10_000
/** Keys per branch in the git backend's store (env BENCH_GIT_GC_HALF overrides, for quick runs). */
const GIT_HALF = Number(process.env.BENCH_GIT_GC_HALF ?? 100_000)

/** Where a GC store lives: a directory, or (postgres, for bench/suites/postgres.ts) a database URL. */
const openBackend = (kind: 'level' | 'git' | 'postgres', location: string): Promise<Backend> =>
  kind === 'level' ? openLevelBackend(location) : kind === 'git' ? openGitBackend(location, { create: true }) : openPostgresBackend(location)

/** Writes the kept branch and the garbage branch (then deleted) into a fresh store. */
export async function buildGcStore(location: string, kind: 'level' | 'git' | 'postgres' = 'level', half = HALF): Promise<{ objects: number }> {
  const repo = await Repo.open({ backend: await openBackend(kind, location), contents: Contents.bytes })
  for (const branch of ['main', 'doomed']) {
    const store = repo.branch(branch)
    for (let c = 0; c * PER_COMMIT < half; c++) {
      await store.batch(tx => {
        for (let i = c * PER_COMMIT; i < (c + 1) * PER_COMMIT; i++) {
          // Distinct values per branch, spread over 1,000 directories of 500 keys each.
          tx.set([`${branch}${i % 1000}`, `k${i}`], value(branch === 'main' ? i : i + 10_000_000))
        }
      }, { author: AUTHOR, date: DATE, message: `${branch} ${c}` })
    }
  }
  await repo.deleteBranch('doomed')
  let objects = 0
  for await (const _ of repo.backend.objectIds()) objects++
  await repo.close()
  return { objects }
}

/** Resident memory from /proc: anonymous (the process's own) and file-backed (mapped files). */
function resident(): { anon: number; file: number } {
  const status = readFileSync('/proc/self/status', 'utf8')
  const kb = (field: string) => Number(/\d+/.exec(status.split('\n').find(line => line.startsWith(field)) ?? '0')![0]) * 1024
  return { anon: kb('RssAnon'), file: kb('RssFile') }
}

/**
 * `repo.gc()` on the store, with the peak memory it took beyond what the process held before:
 * anonymous memory (heap, mark set, buffers) and file-backed memory (LevelDB maps its table
 * files; those pages are the kernel's page cache, shared and reclaimable).
 */
export async function measureGc(location: string): Promise<{ seconds: number; scanned: number; removed: number; bytesFreed: number; anonGrowth: number; fileGrowth: number }> {
  const repo = await Repo.open({ backend: await openLevelBackend(location), contents: Contents.bytes })
  const before = resident()
  const peak = { ...before }
  const sample = () => {
    const now = resident()
    peak.anon = Math.max(peak.anon, now.anon)
    peak.file = Math.max(peak.file, now.file)
  }
  const sampler = setInterval(sample, 10)
  let report!: Awaited<ReturnType<typeof repo.gc>>
  const seconds = await time(async () => {
    report = await repo.gc()
  })
  clearInterval(sampler)
  sample()
  await repo.close()
  return { seconds, scanned: report.scanned, removed: report.removed, bytesFreed: report.bytesFreed, anonGrowth: peak.anon - before.anon, fileGrowth: peak.file - before.file }
}

/** `repo.gc({ pruneExpire: now })` on a git backend store: seconds, and what it did. */
export async function measureGitGc(location: string): Promise<{ seconds: number; scanned: number; removed: number }> {
  const repo = await Repo.open({ backend: await openGitBackend(location), contents: Contents.bytes })
  let report!: Awaited<ReturnType<typeof repo.gc>>
  const seconds = await time(async () => {
    report = await repo.gc({ pruneExpire: new Date() })
  })
  await repo.close()
  return { seconds, scanned: report.scanned, removed: report.removed }
}

/** git itself on a copy of the same repository: `git <args>`, in seconds. */
export async function measureNativeGit(location: string, args: string[]): Promise<{ seconds: number }> {
  return { seconds: await time(async () => void execFileSync('git', args, { cwd: location, stdio: 'ignore' })) }
}

/** The floor of any sweep: every key of the objects sublevel iterated, nothing else. */
export async function measureRawScan(location: string): Promise<{ seconds: number; keys: number }> {
  const db = new Level<string, Uint8Array>(location, { valueEncoding: 'view' })
  await db.open()
  let keys = 0
  const seconds = await time(async () => {
    for await (const _ of db.sublevel<string, Uint8Array>('o', { valueEncoding: 'view' }).keys()) keys++
  })
  await db.close()
  return { seconds, keys }
}

/**
 * 100 windows of 10 commits, each collection keeping 10 commits. After every collection: the
 * store's logical size (bytes of all objects), and one window's worth of data (bytes of the
 * objects reachable from the head); before every collection, the store's size at its largest.
 */
export async function measureSlidingWindow(location: string): Promise<{ after: number[]; before: number[]; window: number[] }> {
  const repo = await Repo.open({ backend: await openLevelBackend(location), contents: Contents.bytes })
  const main = repo.branch('main')
  const sizeOf = async () => {
    const ids: string[] = []
    for await (const id of repo.backend.objectIds()) ids.push(id)
    const sizes = new Map<string, number>()
    for (let i = 0; i < ids.length; i += 1000) {
      const batch = ids.slice(i, i + 1000)
      ;(await repo.backend.getObjects(batch)).forEach((bytes, j) => sizes.set(batch[j], bytes!.length))
    }
    return sizes
  }
  const after: number[] = []
  const before: number[] = []
  const window: number[] = []
  for (let w = 0; w < 100; w++) {
    for (let c = 0; c < 10; c++) {
      const n = w * 10 + c
      await main.batch(tx => {
        for (let k = 0; k < 1000; k++) tx.set([`d${k % 20}`, `k${(n * 1000 + k) % 10_000}`], value(n * 1000 + k))
      }, { author: AUTHOR, date: DATE, message: `commit ${n}` })
    }
    before.push([...(await sizeOf()).values()].reduce((a, b) => a + b, 0))
    await repo.gc({ keepCommits: 10 })
    const sizes = await sizeOf()
    after.push([...sizes.values()].reduce((a, b) => a + b, 0))
    let reachableBytes = 0
    await reachable(repo.objects, [(await main.headId())!], { onObject: id => (reachableBytes += sizes.get(id) ?? 0) })
    window.push(reachableBytes)
  }
  await repo.close()
  return { after, before, window }
}

export async function run(report: Report): Promise<void> {
  console.log(`\n== gc: garbage collection on LevelDB`)
  const here = import.meta.url
  const dir = mkdtempSync(join(tmpdir(), 'bench-gc-'))
  try {
    const location = join(dir, 'store')
    const built = await isolated<{ objects: number }>(here, 'buildGcStore', location)
    const raw = await isolated<{ seconds: number; keys: number }>(here, 'measureRawScan', location)
    const gc = await isolated<{ seconds: number; scanned: number; removed: number; bytesFreed: number; anonGrowth: number; fileGrowth: number }>(here, 'measureGc', location)
    const scanned = report.add({
      suite: SUITE,
      name: `GC of ${built.objects.toLocaleString('en-US')} objects (${gc.removed.toLocaleString('en-US')} unreachable removed)`,
      value: gc.scanned / gc.seconds,
      unit: 'objects/s',
      better: 'higher',
      note: `${gc.seconds.toFixed(2)} s, ${(gc.bytesFreed / 1e6).toFixed(0)} MB freed`,
    })
    const rawRow = report.add({ suite: SUITE, name: 'bare LevelDB key scan of the same store (no engine)', value: raw.keys / raw.seconds, unit: 'keys/s', better: 'higher' })
    report.target(SUITE, 'objects scanned per second', scanned, 200_000)
    report.ratio(SUITE, 'GC scan vs bare key scan', scanned, rawRow)
    const rss = report.add({
      suite: SUITE,
      name: 'peak RSS growth during GC (anonymous: heap, mark set, buffers)',
      value: gc.anonGrowth / 1e6,
      unit: 'MB',
      better: 'lower',
      note: `plus ${(gc.fileGrowth / 1e6).toFixed(0)} MB of LevelDB's table files mapped from the page cache`,
    })
    report.target(SUITE, 'peak RSS growth', rss, 200)

    const sliding = await isolated<{ after: number[]; before: number[]; window: number[] }>(here, 'measureSlidingWindow', join(dir, 'window'))
    const ratios = sliding.after.map((size, i) => size / sliding.window[i]).slice(1)
    const worst = report.add({
      suite: SUITE,
      name: 'sliding window: store size after GC / one window of data, worst of 100',
      value: Math.max(...ratios),
      unit: '×',
      better: 'lower',
      note: `window ${(Math.min(...sliding.window) / 1e6).toFixed(1)}–${(Math.max(...sliding.window) / 1e6).toFixed(1)} MB; largest before a GC ${(Math.max(...sliding.before) / 1e6).toFixed(1)} MB`,
    })
    report.target(SUITE, 'steady-state size within 2× of one window', worst, 2)

    await runGit(report, here, dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The git backend's GC, and git's own on copies of the same repository. */
async function runGit(report: Report, here: string, dir: string): Promise<void> {
  const location = join(dir, 'git')
  const built = await isolated<{ objects: number }>(here, 'buildGcStore', location, 'git', GIT_HALF)
  const copies = ['gc', 'repack'].map(name => {
    const copy = join(dir, `git-${name}`)
    cpSync(location, copy, { recursive: true })
    return copy
  })
  const ours = await isolated<{ seconds: number; scanned: number; removed: number }>(here, 'measureGitGc', location)
  const gitGc = await isolated<{ seconds: number }>(here, 'measureNativeGit', copies[0], ['gc', '--quiet', '--prune=now'])
  const repack = await isolated<{ seconds: number }>(here, 'measureNativeGit', copies[1], ['repack', '-a', '-d', '-q'])
  const row = report.add({
    suite: SUITE,
    name: `git backend: GC of ${built.objects.toLocaleString('en-US')} objects (${ours.removed.toLocaleString('en-US')} unreachable removed)`,
    value: ours.scanned / ours.seconds,
    unit: 'objects/s',
    better: 'higher',
    note: `${ours.seconds.toFixed(2)} s`,
  })
  const gcRow = report.add({ suite: SUITE, name: 'git gc --prune=now on the same repository', value: built.objects / gitGc.seconds, unit: 'objects/s', better: 'higher', note: `${gitGc.seconds.toFixed(2)} s` })
  const repackRow = report.add({ suite: SUITE, name: 'git repack -a -d on the same repository', value: built.objects / repack.seconds, unit: 'objects/s', better: 'higher', note: `${repack.seconds.toFixed(2)} s` })
  report.ratio(SUITE, 'git backend GC vs git gc --prune=now', row, gcRow)
  report.ratio(SUITE, 'git backend GC vs git repack -a -d', row, repackRow)
}
