/**
 * Windowed GC beside writers, on every backend (memory, LevelDB, git, IndexedDB on
 * fake-indexeddb): 50 rounds of `gc({ keepCommits: 3 })` while writers set keys, set them back to
 * old values (old trees come back: the put/delete race of issue 9's defect 1), create branches
 * from old commit ids, and revert commits. At the end fsck is clean (and `git fsck --strict` on
 * git), and every acknowledged commit still inside a branch's window is readable in full.
 *
 * On PostgreSQL the same writers also run in separate processes (test/helpers/postgres-gc-writer.ts),
 * where the collector knows nothing of their pins and writes: what keeps their material is the
 * backend's cross-process argument (backends/postgres/gc.ts), with a grace period of GRACE_MS.
 */
import 'fake-indexeddb/auto'
import { afterAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { type Backend, Contents, IrminError, Repo } from '../../index.js'
import { gcBackends, type OpenForGc } from '../helpers/gc-backends.js'
import { gitStatus, removeDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

const WINDOW = 3
const ROUNDS = 50

const backends = gcBackends(dirs, { indexedDb: true })

/** A write that may fail for a reason the test accepts: its base commit was collected, a conflict. */
async function tolerated<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write()
  } catch (error) {
    if (error instanceof IrminError) return undefined
    throw error
  }
}

const tick = () => new Promise(resolve => setImmediate(resolve))

async function run(open: OpenForGc, reverts: boolean): Promise<void> {
  const { backend, gitDir } = await open()
  const repo = await Repo.open({ backend, contents: Contents.string })
  const main = repo.branch('main')
  const acknowledged: string[] = []
  await main.set(['seed'], 'x')
  let collecting = true
  const setter = async () => {
    for (let n = 0; collecting || n < 20; n++) {
      // Values cycle through three: trees (and blobs) the window dropped come back.
      const head = await main.set([`k${n % 4}`], `v${n % 3}`)
      if (head) acknowledged.push(head.id)
      await tick()
    }
  }
  const brancher = async () => {
    for (let n = 0; collecting || n < 10; n++) {
      const old = acknowledged[Math.max(0, acknowledged.length - 1 - (n % 6))]
      const name = `b${n}`
      if (old !== undefined && (await tolerated(() => repo.createBranch(name, old))) !== undefined) {
        const head = await repo.branch(name).set(['branch'], `${name} ${n % 2}`)
        if (head) acknowledged.push(head.id)
      }
      // A few branches live on; older ones go, and what only they reached becomes garbage.
      if (n >= 4) await tolerated(() => repo.deleteBranch(`b${n - 4}`))
      await tick()
    }
  }
  const reverter = async () => {
    for (let n = 0; collecting || n < 10; n++) {
      const target = acknowledged[Math.max(0, acknowledged.length - 1 - (n % 3))]
      if (target !== undefined) {
        const head = await tolerated(() => main.revert(target))
        if (head) acknowledged.push(head.id)
      }
      await tick()
    }
  }
  let removed = 0
  const collector = async () => {
    for (let round = 0; round < ROUNDS; round++) {
      removed += (await repo.gc({ keepCommits: WINDOW, pruneExpire: new Date() })).removed
      // Each round waits for the writers to move on (git's fsynced writes are slower than a GC).
      const seen = acknowledged.length
      while (acknowledged.length < seen + 2) await new Promise(resolve => setTimeout(resolve, 1))
    }
    collecting = false
  }
  await Promise.all([setter(), brancher(), collector(), ...(reverts ? [reverter()] : [])])
  // One more collection once the writers are done. A commit written during a collection is kept
  // even when its parent was garbage (its branch deleted meanwhile); a branch created at it
  // afterwards has a history that ends where no boundary is recorded yet. The next collection
  // finds and records that end; fsck would call it a missing parent until then.
  removed += (await repo.gc({ keepCommits: WINDOW, pruneExpire: new Date() })).removed
  expect(removed).toBeGreaterThan(0)
  expect((await repo.fsck()).damage).toEqual([])
  if (gitDir) {
    const fsck = gitStatus(gitDir, ['fsck', '--strict', '--no-dangling'])
    expect(fsck.status, fsck.stderr).toBe(0)
  }
  await expectWindowReadable(backend, acknowledged)
  await repo.close()
}


/** Every acknowledged commit inside a branch's window, read in full by a repo with nothing cached. */
async function expectWindowReadable(backend: Backend, acknowledged: string[]): Promise<void> {
  const fresh = await Repo.open({ backend, contents: Contents.string })
  const inWindow = new Set<string>()
  for (const name of await fresh.branches()) {
    let count = 0
    for await (const commit of fresh.branch(name).history()) {
      if (count++ >= WINDOW) break
      inWindow.add(commit.id)
    }
  }
  const checked = acknowledged.filter(id => inWindow.has(id))
  expect(checked.length).toBeGreaterThan(0)
  for (const id of checked) {
    for await (const _ of (await fresh.commit(id).tree()).walk()) {
      // reading every value reads every object of the commit
    }
  }
}

for (const [name, open] of backends) {
  describe(`GC beside writers on ${name}`, () => {
    it(`${ROUNDS} windowed collections beside sets, set-backs to old values and branches from old ids`, () => run(open, false), 240_000)
    it(`${ROUNDS} windowed collections beside the same writers and reverts`, () => run(open, true), 240_000)
  })
}

const GRACE_MS = 3000
const PROCESS_ROUNDS = 20

/** A writer in its own process; resolves with the commits it acknowledged once told to stop. */
function processWriter(url: string, role: string): { acknowledged(): number; stop(): void; done: Promise<string[]> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../helpers/postgres-gc-writer.ts'), url, role], { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', chunk => (out += chunk))
  child.stderr.on('data', chunk => (err += chunk))
  const done = new Promise<string[]>((resolve, reject) =>
    child.on('exit', code => {
      const lines = out.split('\n').filter(Boolean)
      if (code !== 0 || lines.at(-1) !== 'done') reject(new Error(`${role} exited with ${code}: ${err}`))
      else resolve(lines.slice(0, -1))
    }),
  )
  return { acknowledged: () => out.split('\n').length - 1, stop: () => child.stdin.end('stop\n'), done }
}

describe('GC beside writers in other processes on PostgreSQL', () => {
  it(`${PROCESS_ROUNDS} windowed collections here, setter, brancher and reverter each in its own process`, async () => {
    const open = backends.find(([name]) => name === 'PostgreSQL')![1]
    const { backend, url } = await open()
    const repo = await Repo.open({ backend, contents: Contents.string })
    await repo.branch('main').set(['seed'], 'x')
    const writers = ['setter', 'brancher', 'reverter'].map(role => processWriter(url!, role))
    // Collections go on while the writers write, for at least PROCESS_ROUNDS and until garbage
    // older than the grace period exists (the writers' processes take a while to start).
    let removed = 0
    let writing: number | undefined
    for (let round = 0; round < PROCESS_ROUNDS || writing === undefined || Date.now() - writing < 3 * GRACE_MS || removed === 0; round++) {
      if (writing === undefined && writers.every(w => w.acknowledged() > 0)) writing = Date.now()
      removed += (await repo.gc({ keepCommits: WINDOW, pruneExpire: new Date(Date.now() - GRACE_MS) })).removed
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    writers.forEach(w => w.stop())
    const acknowledged = (await Promise.all(writers.map(w => w.done))).flat()
    await new Promise(resolve => setTimeout(resolve, GRACE_MS))
    removed += (await repo.gc({ keepCommits: WINDOW, pruneExpire: new Date(Date.now() - GRACE_MS) })).removed
    expect(acknowledged.length).toBeGreaterThan(PROCESS_ROUNDS)
    expect(removed).toBeGreaterThan(0)
    expect((await repo.fsck()).damage).toEqual([])
    await expectWindowReadable(backend, acknowledged)
    await repo.close()
  }, 240_000)
})
