/**
 * Core engine on the memory backend, against its peers on the standard workload:
 * the bare minimum (the same git objects hashed with node:crypto into a Map), native
 * `git fast-import`, and isomorphic-git (10,000 keys: it is slow). Also warm point reads and
 * one-key commits on a 1,000,000-key store.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { execFileSync } from 'node:child_process'
import git from 'isomorphic-git'
import { type CommitInfo, Contents, openMemoryBackend, Repo } from '../../index.js'
import { isolated } from '../isolate.js'
import { type Report, time } from '../report.js'
import { AUTHOR, AUTHOR_EMAIL, AUTHOR_NAME, commitMessage, DATE, deepKeyPath, keyPath, KEYS_PER_COMMIT, value, writeWorkload } from '../workload.js'

const SUITE = 'core'
const TOTAL = 100_000
const ISO_TOTAL = 10_000

interface Result {
  seconds: number
  tree: string
  commit: string
}

/** The engine: `store.batch` of 1,000 keys per commit on the memory backend. */
export async function engineBulk(total: number) {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
  const main = repo.branch('main')
  let head!: CommitInfo
  const seconds = await time(async () => {
    head = await writeWorkload(main, total)
  })
  return { result: { seconds, tree: head.tree, commit: head.id }, repo, main }
}

function frame(type: string, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body])
}

/**
 * The same objects, hashed with node:crypto into a Map: what any git-format engine must do, done
 * as leanly as we know how. Each directory keeps its serialised entries in one buffer, and a
 * commit rebuilds a changed directory by copying the unchanged runs around the new entries.
 */
export function bareMinimum(total: number, onCommit?: (objects: Array<[string, Uint8Array]>) => void): Result {
  const objects = new Map<string, Uint8Array>()
  let batch: Array<[string, Uint8Array]> = []
  const put = (type: string, body: Uint8Array) => {
    const framed = frame(type, body)
    const raw = createHash('sha1').update(framed).digest()
    const id = raw.toString('hex')
    objects.set(id, framed)
    if (onCommit) batch.push([id, framed])
    return raw
  }
  const dirs = Array.from({ length: 100 }, () => ({ names: [] as string[], starts: [] as number[], body: Buffer.alloc(0), raw: undefined as Buffer | undefined }))
  let parent: string | undefined
  let tree = ''
  const start = process.hrtime.bigint()
  for (let c = 0; c * KEYS_PER_COMMIT < total; c++) {
    const added = new Map<number, Array<{ name: string; entry: Buffer }>>()
    for (let i = c * KEYS_PER_COMMIT; i < Math.min(total, (c + 1) * KEYS_PER_COMMIT); i++) {
      const raw = put('blob', value(i))
      const name = `k${i}`
      const list = added.get(i % 100) ?? []
      list.push({ name, entry: Buffer.concat([Buffer.from(`100644 ${name}\0`), raw]) })
      added.set(i % 100, list)
    }
    for (const [d, list] of added) {
      const dir = dirs[d]
      list.sort((a, b) => (a.name < b.name ? -1 : 1))
      const names: string[] = []
      const starts: number[] = []
      const parts: Buffer[] = []
      let from = 0
      let length = 0
      for (const { name, entry } of list) {
        let lo = from
        let hi = dir.names.length
        while (lo < hi) {
          const mid = (lo + hi) >>> 1
          if (dir.names[mid] < name) lo = mid + 1
          else hi = mid
        }
        const runStart = from < dir.names.length ? dir.starts[from] : dir.body.length
        const runEnd = lo < dir.names.length ? dir.starts[lo] : dir.body.length
        for (let k = from; k < lo; k++) {
          names.push(dir.names[k])
          starts.push(length + dir.starts[k] - runStart)
        }
        parts.push(dir.body.subarray(runStart, runEnd))
        length += runEnd - runStart
        names.push(name)
        starts.push(length)
        parts.push(entry)
        length += entry.length
        from = lo
      }
      const runStart = from < dir.names.length ? dir.starts[from] : dir.body.length
      for (let k = from; k < dir.names.length; k++) {
        names.push(dir.names[k])
        starts.push(length + dir.starts[k] - runStart)
      }
      parts.push(dir.body.subarray(runStart))
      dir.body = Buffer.concat(parts)
      dir.names = names
      dir.starts = starts
      dir.raw = put('tree', dir.body)
    }
    const rootEntries = dirs
      .map((dir, d) => ({ name: `d${d}`, raw: dir.raw }))
      .filter(e => e.raw !== undefined)
      .sort((a, b) => (a.name + '/' < b.name + '/' ? -1 : 1))
      .map(e => Buffer.concat([Buffer.from(`40000 ${e.name}\0`), e.raw!]))
    tree = put('tree', Buffer.concat(rootEntries)).toString('hex')
    const sig = `${AUTHOR} ${DATE} +0000`
    const text = `tree ${tree}\n${parent ? `parent ${parent}\n` : ''}author ${sig}\ncommitter ${sig}\n\n${commitMessage(c)}`
    parent = put('commit', Buffer.from(text)).toString('hex')
    if (onCommit) {
      onCommit(batch)
      batch = []
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return { seconds, tree, commit: parent! }
}

/** Native `git fast-import`, one process, fed the same blobs, paths and commits. */
async function gitFastImport(total: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fi-'))
  try {
    execFileSync('git', ['init', '-q', '--bare', dir])
    const start = process.hrtime.bigint()
    const child = spawn('git', ['fast-import', '--quiet'], { cwd: dir, stdio: ['pipe', 'ignore', 'inherit'] })
    const exited = once(child, 'exit')
    const write = async (chunk: Buffer) => {
      if (!child.stdin.write(chunk)) await once(child.stdin, 'drain')
    }
    for (let c = 0; c * KEYS_PER_COMMIT < total; c++) {
      const message = Buffer.from(commitMessage(c))
      const parts: Buffer[] = [
        Buffer.from(`commit refs/heads/main\ncommitter ${AUTHOR} ${DATE} +0000\ndata ${message.length}\n`),
        message,
        Buffer.from('\n'),
      ]
      for (let i = c * KEYS_PER_COMMIT; i < Math.min(total, (c + 1) * KEYS_PER_COMMIT); i++) {
        parts.push(Buffer.from(`M 100644 inline ${keyPath(i).join('/')}\ndata 100\n`), Buffer.from(value(i)), Buffer.from('\n'))
      }
      parts.push(Buffer.from('\n'))
      await write(Buffer.concat(parts))
    }
    child.stdin.end()
    const [code] = await exited
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    if (code !== 0) throw new Error(`git fast-import exited with ${code}`)
    const tree = execFileSync('git', ['rev-parse', 'main^{tree}'], { cwd: dir }).toString().trim()
    const commit = execFileSync('git', ['rev-parse', 'main'], { cwd: dir }).toString().trim()
    return { seconds, tree, commit }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** isomorphic-git's writeBlob/writeTree/writeCommit on the file system. */
async function isomorphicGit(total: number): Promise<Result> {
  const gitdir = mkdtempSync(join(tmpdir(), 'bench-iso-'))
  try {
    await git.init({ fs, gitdir, bare: true })
    const dirs = Array.from({ length: 100 }, () => [] as Array<{ mode: string; path: string; oid: string; type: 'blob' }>)
    const dirTrees = new Map<number, string>()
    let parent: string | undefined
    let tree = ''
    const who = { name: AUTHOR_NAME, email: AUTHOR_EMAIL, timestamp: DATE, timezoneOffset: 0 }
    const start = process.hrtime.bigint()
    for (let c = 0; c * KEYS_PER_COMMIT < total; c++) {
      const changed = new Set<number>()
      for (let i = c * KEYS_PER_COMMIT; i < Math.min(total, (c + 1) * KEYS_PER_COMMIT); i++) {
        const oid = await git.writeBlob({ fs, gitdir, blob: value(i) })
        dirs[i % 100].push({ mode: '100644', path: `k${i}`, oid, type: 'blob' })
        changed.add(i % 100)
      }
      for (const d of changed) dirTrees.set(d, await git.writeTree({ fs, gitdir, tree: dirs[d] }))
      tree = await git.writeTree({
        fs,
        gitdir,
        tree: [...dirTrees].map(([d, oid]) => ({ mode: '040000', path: `d${d}`, oid, type: 'tree' as const })),
      })
      parent = await git.writeCommit({
        fs,
        gitdir,
        commit: { message: commitMessage(c), tree, parent: parent ? [parent] : [], author: who, committer: who },
      })
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    return { seconds, tree, commit: parent! }
  } finally {
    rmSync(gitdir, { recursive: true, force: true })
  }
}

function best<T extends { seconds: number }>(runs: T[]): T {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a))
}

// Measurements, each run in a fresh process by `isolated` (exported for that reason).

/** A small warm-up run first, so the figure is of compiled code, then the measured run. */
export async function measureEngineBulk(total: number): Promise<Result> {
  await engineBulk(10_000)
  return (await engineBulk(total)).result
}

export async function measureBareMinimum(total: number): Promise<Result> {
  bareMinimum(10_000)
  return bareMinimum(total)
}

export const measureFastImport = gitFastImport
export const measureIsomorphicGit = isomorphicGit

/** Reads of random keys of the standard store once every key has been read. */
export async function measureWarmReads(total: number, reads: number): Promise<{ perSecond: number }> {
  const { main } = await engineBulk(total)
  for (let i = 0; i < total; i++) await main.get(keyPath(i))
  let seed = 12345
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % total
  for (let i = 0; i < reads; i++) await main.get(keyPath(random())) // JIT warm-up
  const seconds = await time(async () => {
    for (let i = 0; i < reads; i++) await main.get(keyPath(random()))
  })
  return { perSecond: reads / seconds }
}

/** One-key commits on a 1,000,000-key store, three levels deep. */
export async function measureOneKeyCommits(commits: number): Promise<{ buildKeysPerSecond: number; msPerCommit: number }> {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
  const deep = repo.branch('main')
  const buildSeconds = await time(async () => {
    for (let c = 0; c < 100; c++) {
      await deep.batch(tx => {
        for (let i = c * 10_000; i < (c + 1) * 10_000; i++) tx.set(deepKeyPath(i), value(i))
      }, { message: `build ${c}`, author: AUTHOR, date: DATE })
    }
  })
  let seed = 54321
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 1_000_000
  for (let n = 0; n < 500; n++) await deep.set(deepKeyPath(random()), value(n), { author: AUTHOR, date: DATE }) // warm-up
  const seconds = await time(async () => {
    for (let n = 0; n < commits; n++) await deep.set(deepKeyPath(random()), value(n + 1_000_000), { author: AUTHOR, date: DATE })
  })
  return { buildKeysPerSecond: 1_000_000 / buildSeconds, msPerCommit: (seconds / commits) * 1000 }
}

export async function run(report: Report): Promise<void> {
  console.log(`\n== core: standard workload, ${TOTAL.toLocaleString('en-US')} keys, ${KEYS_PER_COMMIT} per commit (memory backend)`)
  const here = import.meta.url
  // Engine and bare minimum interleaved, best of three each, every run in a fresh process.
  const engineRuns: Result[] = []
  const bareRuns: Result[] = []
  for (let round = 0; round < 3; round++) {
    bareRuns.push(await isolated<Result>(here, 'measureBareMinimum', TOTAL))
    engineRuns.push(await isolated<Result>(here, 'measureEngineBulk', TOTAL))
  }
  const engine = best(engineRuns)
  const bare = best(bareRuns)
  const fastImport = await isolated<Result>(here, 'measureFastImport', TOTAL)
  const iso = await isolated<Result>(here, 'measureIsomorphicGit', ISO_TOTAL)
  const engineSmall = await isolated<Result>(here, 'measureEngineBulk', ISO_TOTAL)

  const ours = report.add({ suite: SUITE, name: 'bulk write, irminsule memory backend', value: TOTAL / engine.seconds, unit: 'keys/s', better: 'higher' })
  const bareRow = report.add({ suite: SUITE, name: 'bulk write, bare minimum (node:crypto into a Map)', value: TOTAL / bare.seconds, unit: 'keys/s', better: 'higher' })
  const fiRow = report.add({ suite: SUITE, name: 'bulk write, native git fast-import', value: TOTAL / fastImport.seconds, unit: 'keys/s', better: 'higher' })
  const isoRow = report.add({
    suite: SUITE,
    name: 'bulk write, isomorphic-git (file system)',
    value: ISO_TOTAL / iso.seconds,
    unit: 'keys/s',
    better: 'higher',
    note: `${ISO_TOTAL.toLocaleString('en-US')} keys`,
  })
  report.ratio(SUITE, 'bulk write vs bare minimum', ours, bareRow, 0.8)
  report.ratio(SUITE, 'bulk write vs git fast-import', ours, fiRow, 4)
  report.ratio(SUITE, 'bulk write vs isomorphic-git', ours, isoRow)
  report.check(SUITE, 'same final tree: engine, bare minimum, fast-import', engine.tree === bare.tree && engine.tree === fastImport.tree, engine.tree)
  report.check(SUITE, 'same final commit: engine, bare minimum, fast-import', engine.commit === bare.commit && engine.commit === fastImport.commit, engine.commit)
  report.check(SUITE, `same final tree at ${ISO_TOTAL} keys: engine, isomorphic-git`, engineSmall.tree === iso.tree, iso.tree)

  const reads = await isolated<{ perSecond: number }>(here, 'measureWarmReads', TOTAL, 100_000)
  const readRow = report.add({ suite: SUITE, name: 'warm point reads (store.get, awaited one by one)', value: reads.perSecond, unit: 'reads/s', better: 'higher' })
  report.target(SUITE, 'warm point reads', readRow, 1_000_000)

  const commits = await isolated<{ buildKeysPerSecond: number; msPerCommit: number }>(here, 'measureOneKeyCommits', 2000)
  report.add({ suite: SUITE, name: 'build 1,000,000-key three-level store (10,000 keys/commit)', value: commits.buildKeysPerSecond, unit: 'keys/s', better: 'higher' })
  const commitRow = report.add({ suite: SUITE, name: 'one-key commit on the 1,000,000-key store', value: commits.msPerCommit, unit: 'ms', better: 'lower' })
  report.target(SUITE, 'one-key commit on 1M keys', commitRow, 0.2)
}
