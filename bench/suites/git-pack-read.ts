/**
 * Reading a deeply deltified repository that git itself packed, beside git in the same run.
 *
 * The repository is built here with git: `git fast-import` writes 3,000 commits of 40 text files
 * (150 lines each) edited a few lines at a time, then `git gc --aggressive` packs it (one pack,
 * ~25,000 objects, delta chains up to depth 50). Then, interleaved, best of three each:
 * - all objects read: the git backend lists every object and reads each one (`objectIds`, then
 *   `getObjects` in batches of 1,000), beside `git cat-file --batch-all-objects --batch`;
 * - `repo.fsck()` beside `git fsck`.
 * Ours run in a fresh process per measurement (a fresh backend for each of its rounds, so no delta
 * base survives from one round to the next; the first round warms the JIT up and is dropped).
 *
 * Figures are CPU time (user + system; for git, of the git process, read from the shell's
 * `times`), because the machine these runs share is often loaded and wall time then measures the
 * neighbours; wall time is shown beside each. Target: ≥ 0.5× git's speed for both.
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openGitBackend } from '../../backends/git/index.js'
import { Contents, Repo } from '../../index.js'
import { isolated } from '../isolate.js'
import type { Report } from '../report.js'

const SUITE = 'git-pack-read'
const COMMITS = 3000
const FILES = 40
const ROUNDS = 3
const BATCH = 1000

interface Timing {
  cpuMs: number
  wallMs: number
}

/** Writes the history with `git fast-import`, then packs it with `git gc --aggressive`. */
async function buildRepository(dir: string): Promise<void> {
  spawnSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir])
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: dir, stdio: ['pipe', 'inherit', 'inherit'] })
  let state = 1
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8)
  const files = Array.from({ length: FILES }, (_, f) => Array.from({ length: 150 }, (_, l) => `file ${f} line ${l} ${random().toString(36)} lorem ipsum dolor sit amet`))
  for (let c = 0; c < COMMITS; c++) {
    let body = `commit refs/heads/main\ncommitter B <b@example.org> ${1_700_000_000 + c} +0000\ndata 8\nc ${String(c).padStart(5, '0')}\n`
    for (let k = 0; k < (c === 0 ? FILES : 3); k++) {
      const f = c === 0 ? k : random() % FILES
      const lines = files[f]
      for (let e = 0; e < 3; e++) lines[random() % lines.length] = `edit ${c} ${random().toString(36)} of file ${f}`
      if (random() % 4 === 0) lines.splice(random() % lines.length, 0, `inserted at ${c}`)
      const text = lines.join('\n') + '\n'
      body += `M 100644 inline src/d${f % 5}/f${f}.txt\ndata ${Buffer.byteLength(text)}\n${text}\n`
    }
    if (!child.stdin.write(body + '\n')) await once(child.stdin, 'drain')
  }
  child.stdin.end()
  const [code] = await once(child, 'exit')
  if (code !== 0) throw new Error(`git fast-import exited with ${code}`)
  const gc = spawnSync('git', ['gc', '--aggressive', '--quiet'], { cwd: dir, stdio: 'inherit' })
  if (gc.status !== 0) throw new Error(`git gc --aggressive exited with ${gc.status}`)
}

/** Runs `command` under bash with output discarded; CPU time of the children from `times`. */
function timeShell(command: string, dir: string): Timing & { status: number } {
  const start = performance.now()
  const run = spawnSync('bash', ['-c', `${command} >/dev/null 2>&1; status=$?; times; exit $status`], { cwd: dir })
  const wallMs = performance.now() - start
  // `times` prints the shell's user/system times, then its children's: "0m0.081s 0m0.012s".
  const children = run.stdout.toString().trim().split('\n').pop()!
  const [user, system] = children.split(' ').map(t => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t)
    if (!m) throw new Error(`cannot read times output: ${children}`)
    return (Number(m[1]) * 60 + Number(m[2])) * 1000
  })
  return { cpuMs: user + system, wallMs, status: run.status ?? -1 }
}

function cpuNow(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

// Measurements, each run in a fresh process by `isolated` (exported for that reason).

/** Every object listed and read, ROUNDS + 1 times (the first to warm up); the best round. */
export async function measureReadAll(dir: string): Promise<Timing & { objects: number; bodyBytes: number }> {
  let best: Timing & { objects: number; bodyBytes: number } = { cpuMs: Infinity, wallMs: Infinity, objects: 0, bodyBytes: 0 }
  for (let round = 0; round <= ROUNDS; round++) {
    const backend = await openGitBackend(dir)
    const wall = performance.now()
    const cpu = cpuNow()
    let objects = 0
    let bodyBytes = 0
    let batch: string[] = []
    const flush = async () => {
      for (const framed of await backend.getObjects(batch)) {
        objects++
        bodyBytes += framed!.length - framed!.indexOf(0) - 1
      }
      batch = []
    }
    for await (const id of backend.objectIds()) {
      batch.push(id)
      if (batch.length === BATCH) await flush()
    }
    await flush()
    const timing = { cpuMs: cpuNow() - cpu, wallMs: performance.now() - wall, objects, bodyBytes }
    await backend.close()
    if (round > 0 && timing.cpuMs < best.cpuMs) best = timing
  }
  return best
}

/** `repo.fsck()`, ROUNDS + 1 times on a fresh store (the first to warm up); the best round. */
export async function measureFsck(dir: string): Promise<Timing & { damage: number; reachable: number }> {
  let best: Timing & { damage: number; reachable: number } = { cpuMs: Infinity, wallMs: Infinity, damage: 0, reachable: 0 }
  for (let round = 0; round <= ROUNDS; round++) {
    const repo = await Repo.open({ backend: await openGitBackend(dir), contents: Contents.bytes })
    const wall = performance.now()
    const cpu = cpuNow()
    const report = await repo.fsck()
    const timing = { cpuMs: cpuNow() - cpu, wallMs: performance.now() - wall, damage: report.damage.length, reachable: report.reachable }
    await repo.close()
    if (round > 0 && timing.cpuMs < best.cpuMs) best = timing
  }
  return best
}

function bestOf(runs: Timing[]): Timing {
  return runs.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a))
}

export async function run(report: Report): Promise<void> {
  console.log(`\n== git pack reading: ${COMMITS.toLocaleString('en-US')} commits of ${FILES} files, packed by git gc --aggressive; CPU time (wall shown), best of ${ROUNDS}`)
  const dir = mkdtempSync(join(tmpdir(), 'bench-pack-read-'))
  const here = import.meta.url
  try {
    const built = performance.now()
    await buildRepository(dir)
    const count = spawnSync('git', ['count-objects', '-v'], { cwd: dir }).stdout.toString()
    const inPack = Number(/in-pack: (\d+)/.exec(count)?.[1])
    console.log(`  repository built in ${((performance.now() - built) / 1000).toFixed(1)} s: ${inPack.toLocaleString('en-US')} objects in one pack`)
    const sizes = spawnSync('git', ['cat-file', '--batch-all-objects', '--batch-check=%(objectsize)'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 })
    const gitBodyBytes = sizes.stdout.toString().trim().split('\n').reduce((sum, line) => sum + Number(line), 0)

    const ourReads: Array<Awaited<ReturnType<typeof measureReadAll>>> = []
    const catFiles: Timing[] = []
    const ourFscks: Array<Awaited<ReturnType<typeof measureFsck>>> = []
    const gitFscks: Array<Timing & { status: number }> = []
    for (let round = 0; round < ROUNDS; round++) {
      ourReads.push(await isolated(here, 'measureReadAll', dir))
      catFiles.push(timeShell('git cat-file --batch-all-objects --batch', dir))
      ourFscks.push(await isolated(here, 'measureFsck', dir))
      gitFscks.push(timeShell('git fsck --no-progress', dir))
    }
    const read = bestOf(ourReads) as (typeof ourReads)[number]
    const catFile = bestOf(catFiles)
    const ours = report.add({ suite: SUITE, name: 'read all objects, git backend (objectIds + getObjects)', value: read.cpuMs, unit: 'ms CPU', better: 'lower', note: `wall ${read.wallMs.toFixed(0)} ms; ${read.objects.toLocaleString('en-US')} objects` })
    const peer = report.add({ suite: SUITE, name: 'read all objects, git cat-file --batch-all-objects --batch', value: catFile.cpuMs, unit: 'ms CPU', better: 'lower', note: `wall ${catFile.wallMs.toFixed(0)} ms` })
    report.ratio(SUITE, 'read all objects vs git cat-file (CPU)', ours, peer, 0.5)
    report.check(SUITE, 'every object read, as many bytes as git reports', read.bodyBytes === gitBodyBytes && read.objects >= inPack, `${read.bodyBytes} bytes, git ${gitBodyBytes}`)

    const fsck = bestOf(ourFscks) as (typeof ourFscks)[number]
    const gitFsck = bestOf(gitFscks)
    const oursFsck = report.add({ suite: SUITE, name: 'fsck, repo.fsck()', value: fsck.cpuMs, unit: 'ms CPU', better: 'lower', note: `wall ${fsck.wallMs.toFixed(0)} ms; ${fsck.reachable.toLocaleString('en-US')} reachable` })
    const peerFsck = report.add({ suite: SUITE, name: 'fsck, git fsck', value: gitFsck.cpuMs, unit: 'ms CPU', better: 'lower', note: `wall ${gitFsck.wallMs.toFixed(0)} ms` })
    report.ratio(SUITE, 'fsck vs git fsck (CPU)', oursFsck, peerFsck, 0.5)
    report.check(SUITE, 'both fscks clean', fsck.damage === 0 && gitFscks.every(r => r.status === 0), `${fsck.damage} damage; git fsck exit ${gitFscks.map(r => r.status).join(',')}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
