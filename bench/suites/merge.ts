/**
 * Merges and lowest common ancestors against native git on the same histories.
 *
 * - Merge: the standard 100,000-key store; branch `b` forks from `main`; each side then changes
 *   1,000 different keys in one commit; `repo.merge('b', { into: 'main' })` on the memory
 *   backend beside `git merge-tree --write-tree main b` on a git repository holding the same
 *   commits (built by `git fast-import` from the same workload, so every id is the same: checked).
 * - LCA: a trunk of 5,000 commits, then two branches of 5,000 commits each (heads 10,000 commits
 *   deep); `repo.lowestCommonAncestors` on a freshly opened repo beside `git merge-base --all`.
 */
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Contents, openMemoryBackend, Repo, type Store } from '../../index.js'
import { isolated } from '../isolate.js'
import { type Report, time } from '../report.js'
import { AUTHOR, commitMessage, DATE, keyPath, KEYS_PER_COMMIT, value, writeWorkload } from '../workload.js'

const SUITE = 'merge'
const TOTAL = 100_000
const CHANGED = 1_000
const TRUNK = 5_000
const BRANCH = 5_000

/** The 1,000 keys each side changes: disjoint, spread over every directory. */
const changedKeys = (side: 0 | 1) => Array.from({ length: CHANGED }, (_, j) => (j * 97 + side * 48 + 13) % TOTAL)
const changedValue = (i: number, side: number) => new TextEncoder().encode(`side ${side} changed key ${i}`)

async function buildMergeScenario(): Promise<{ repo: Repo<Uint8Array>; main: Store<Uint8Array> }> {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
  const main = repo.branch('main')
  const info = { author: AUTHOR, date: DATE }
  await writeWorkload(main, TOTAL)
  await repo.createBranch('b')
  for (const [branch, side] of [['main', 0], ['b', 1]] as const) {
    await repo.branch(branch).batch(tx => changedKeys(side).forEach(i => tx.set(keyPath(i), changedValue(i, side))), { ...info, message: `side ${side}\n` })
  }
  return { repo, main }
}

/** Our merge, timed alone (best of three on fresh copies of the scenario). */
export async function measureEngineMerge(): Promise<{ seconds: number; tree: string; heads: string[] }> {
  let best = Infinity
  let tree = ''
  let heads: string[] = []
  for (let round = 0; round < 3; round++) {
    const { repo, main } = await buildMergeScenario()
    heads = [(await main.head())!.id, (await repo.branch('b').head())!.id]
    let outcome!: Awaited<ReturnType<typeof repo.merge>>
    const seconds = await time(async () => {
      outcome = await repo.merge('b', { into: 'main', author: AUTHOR, date: DATE })
    })
    best = Math.min(best, seconds)
    tree = outcome.head.tree
  }
  return { seconds: best, tree, heads }
}

/** Feeds a fast-import stream to git in `dir`. */
async function fastImport(dir: string, stream: Iterable<Buffer>): Promise<void> {
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: dir, stdio: ['pipe', 'ignore', 'inherit'] })
  const exited = once(child, 'exit')
  for (const chunk of stream) if (!child.stdin.write(chunk)) await once(child.stdin, 'drain')
  child.stdin.end()
  const [code] = await exited
  if (code !== 0) throw new Error(`git fast-import exited with ${code}`)
}

function* commitStream(ref: string, message: string, files: Array<[string, Uint8Array]>, from?: string, mark?: number): Generator<Buffer> {
  const text = Buffer.from(message)
  yield Buffer.from(`commit ${ref}\n${mark ? `mark :${mark}\n` : ''}committer ${AUTHOR} ${DATE} +0000\ndata ${text.length}\n`)
  yield text
  yield Buffer.from(`\n${from ? `from ${from}\n` : ''}`)
  for (const [path, bytes] of files) yield Buffer.concat([Buffer.from(`M 100644 inline ${path}\ndata ${bytes.length}\n`), Buffer.from(bytes), Buffer.from('\n')])
  yield Buffer.from('\n')
}

function* mergeScenarioStream(): Generator<Buffer> {
  for (let c = 0; c * KEYS_PER_COMMIT < TOTAL; c++) {
    const files: Array<[string, Uint8Array]> = []
    for (let i = c * KEYS_PER_COMMIT; i < (c + 1) * KEYS_PER_COMMIT; i++) files.push([keyPath(i).join('/'), value(i)])
    yield* commitStream('refs/heads/main', commitMessage(c), files)
  }
  yield* commitStream('refs/heads/b', 'side 1\n', changedKeys(1).map(i => [keyPath(i).join('/'), changedValue(i, 1)]), 'refs/heads/main')
  yield* commitStream('refs/heads/main', 'side 0\n', changedKeys(0).map(i => [keyPath(i).join('/'), changedValue(i, 0)]))
}

function git(dir: string, args: string[]): string {
  return execFileSync('git', args, { cwd: dir, maxBuffer: 1 << 26 }).toString().trim()
}

/** The fastest of `runs` timed runs of a git command. */
function timeGit(dir: string, args: string[], runs = 5): { seconds: number; out: string } {
  let best = Infinity
  let out = ''
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    out = git(dir, args)
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9)
  }
  return { seconds: best, out }
}

/** LCA scenario: trunk, then two branches; each commit changes one key. */
async function buildLcaScenario(repo: Repo<string>): Promise<[string, string]> {
  const info = { author: AUTHOR, date: DATE }
  const main = repo.branch('main')
  for (let i = 0; i < TRUNK; i++) await main.set(['trunk'], `t${i}`, { ...info, message: `t${i}\n` })
  await repo.createBranch('b')
  for (let i = 0; i < BRANCH; i++) {
    await main.set(['a'], `a${i}`, { ...info, message: `a${i}\n` })
    await repo.branch('b').set(['b'], `b${i}`, { ...info, message: `b${i}\n` })
  }
  return [(await main.head())!.id, (await repo.branch('b').head())!.id]
}

function* lcaScenarioStream(): Generator<Buffer> {
  for (let i = 0; i < TRUNK; i++) yield* commitStream('refs/heads/main', `t${i}\n`, [['trunk', Buffer.from(`t${i}`)]], undefined, i === TRUNK - 1 ? 1 : undefined)
  for (let i = 0; i < BRANCH; i++) {
    yield* commitStream('refs/heads/main', `a${i}\n`, [['a', Buffer.from(`a${i}`)]])
    yield* commitStream('refs/heads/b', `b${i}\n`, [['b', Buffer.from(`b${i}`)]], i === 0 ? ':1' : undefined)
  }
}

/** LCA of the two heads on a repo opened fresh on the backend (commits not parsed yet), best of three. */
export async function measureEngineLca(): Promise<{ seconds: number; lcas: string[]; heads: string[] }> {
  const backend = openMemoryBackend()
  const heads = await buildLcaScenario(await Repo.open({ backend, contents: Contents.string }))
  let best = Infinity
  let lcas: string[] = []
  for (let round = 0; round < 3; round++) {
    const fresh = await Repo.open({ backend, contents: Contents.string })
    const seconds = await time(async () => {
      lcas = (await fresh.lowestCommonAncestors(heads[0], heads[1])).map(c => c.id)
    })
    best = Math.min(best, seconds)
  }
  return { seconds: best, lcas, heads }
}

/** A bare repository built by fast-import from `stream` and packed, with its heads main and b. */
async function packedRepo(repo: string, stream: Iterable<Buffer>): Promise<{ repo: string; heads: string[] }> {
  git(tmpdir(), ['init', '-q', '--bare', repo])
  await fastImport(repo, stream)
  git(repo, ['repack', '-adq'])
  return { repo, heads: [git(repo, ['rev-parse', 'main']), git(repo, ['rev-parse', 'b'])] }
}

export async function run(report: Report): Promise<void> {
  console.log(`\n== merge: three-way merges and lowest common ancestors, beside git`)
  const here = import.meta.url
  const dir = mkdtempSync(join(tmpdir(), 'bench-merge-'))
  try {
    // Merge of two branches that each changed 1,000 keys of the 100,000-key store.
    const engine = await isolated<{ seconds: number; tree: string; heads: string[] }>(here, 'measureEngineMerge')
    const { repo: mergeRepo, heads: gitHeads } = await packedRepo(join(dir, 'merge.git'), mergeScenarioStream())
    const gitMerge = timeGit(mergeRepo, ['merge-tree', '--write-tree', 'main', 'b'])
    const ours = report.add({ suite: SUITE, name: 'merge: 2 × 1,000 changed keys of 100,000 (memory backend)', value: engine.seconds * 1000, unit: 'ms', better: 'lower' })
    const theirs = report.add({ suite: SUITE, name: 'merge: git merge-tree --write-tree, same commits (packed repo)', value: gitMerge.seconds * 1000, unit: 'ms', better: 'lower' })
    report.target(SUITE, 'merge of 2 × 1,000 changes', ours, 50)
    report.ratio(SUITE, 'merge vs git merge-tree', ours, theirs, 1)
    report.check(SUITE, 'same branch heads as git', engine.heads.join() === gitHeads.join(), engine.heads.map(h => h.slice(0, 12)).join(' '))
    report.check(SUITE, 'same merged tree as git merge-tree', engine.tree === gitMerge.out.split('\n')[0], engine.tree)

    // LCA of two heads 10,000 commits deep.
    const lca = await isolated<{ seconds: number; lcas: string[]; heads: string[] }>(here, 'measureEngineLca')
    const { repo: lcaRepo, heads: lcaHeads } = await packedRepo(join(dir, 'lca.git'), lcaScenarioStream())
    const gitLca = timeGit(lcaRepo, ['merge-base', '--all', 'main', 'b'])
    const oursLca = report.add({ suite: SUITE, name: 'LCA of two heads 10,000 commits deep (fresh repo, memory backend)', value: lca.seconds * 1000, unit: 'ms', better: 'lower' })
    const theirLca = report.add({ suite: SUITE, name: 'LCA: git merge-base --all, same commits (packed repo)', value: gitLca.seconds * 1000, unit: 'ms', better: 'lower' })
    report.ratio(SUITE, 'LCA vs git merge-base', oursLca, theirLca, 1)
    report.check(SUITE, 'same heads and same LCA as git', lca.heads.join() === lcaHeads.join() && lca.lcas.join() === gitLca.out, gitLca.out.slice(0, 12))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
