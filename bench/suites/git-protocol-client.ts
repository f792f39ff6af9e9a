/**
 * irminsule as a client of real git servers, beside native git in the same run. The history:
 * COMMITS commits on `main` (written by `git fast-import`, then `git repack -adf --depth=50
 * --window=250`, what `git gc --aggressive` does), each editing a few lines of 2 of 40 files of
 * ~4 KiB, so most blobs and trees are deltas. Measured:
 * - parsing its pack (OFS_DELTA): git-protocol/pack-parser.ts in this process, beside `git
 *   index-pack` (a fresh process, default threads and one thread) and isomorphic-git's `indexPack`;
 * - `irmin clone` of that repository from `git http-backend` (tools/git-http-backend.ts) into a
 *   LevelDB store, beside `git clone --bare` of it, each a fresh process, best of two.
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import fs, { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as isogit from 'isomorphic-git'
import { parsePack } from '../../git-protocol/pack-parser.js'
import { startGitHttpBackend } from '../../tools/git-http-backend.js'
import { ensureBuilt, IRMIN_BIN } from '../../tools/irmin-cli.js'
import { type Report, time } from '../report.js'

const SUITE = 'git-protocol-client'
const COMMITS = 3000
const FILES = 40
const LINES = 80
const ROUNDS = 2

/** Writes the history with `git fast-import` and repacks it aggressively; returns the head. */
export async function writeHistory(dir: string): Promise<string> {
  spawnSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir])
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: dir, stdio: ['pipe', 'inherit', 'inherit'] })
  const write = async (text: string) => {
    if (!child.stdin.write(text)) await once(child.stdin, 'drain')
  }
  const files = Array.from({ length: FILES }, (_, f) => Array.from({ length: LINES }, (_, l) => `file ${f} line ${l}: ${'lorem ipsum dolor sit amet '.repeat(2)}`))
  const file = (f: number) => {
    const body = files[f]!.join('\n') + '\n'
    return `M 100644 inline dir${f % 4}/file${f}.txt\ndata ${Buffer.byteLength(body)}\n${body}\n`
  }
  for (let c = 0; c < COMMITS; c++) {
    const message = `commit ${c}\n`
    let body = `commit refs/heads/main\ncommitter Bench <bench@example.org> ${1_700_000_000 + c} +0000\ndata ${message.length}\n${message}`
    if (c === 0) for (let f = 0; f < FILES; f++) body += file(f)
    else {
      for (const f of [(c * 7) % FILES, (c * 13 + 5) % FILES]) {
        files[f]![(c * 31) % LINES] = `edited in commit ${c}`
        body += file(f)
      }
    }
    await write(`${body}\n`)
  }
  await write(`tag v1\nfrom refs/heads/main\ntagger Bench <bench@example.org> 1700009999 +0000\ndata 8\nrelease\n\n`)
  child.stdin.end()
  const [code] = await once(child, 'exit')
  if (code !== 0) throw new Error(`git fast-import exited with ${code}`)
  spawnSync('git', ['repack', '-adf', '--depth=50', '--window=250', '-q'], { cwd: dir })
  return spawnSync('git', ['rev-parse', 'main'], { cwd: dir }).stdout.toString().trim()
}

async function exec(command: string, args: string[], cwd?: string): Promise<string> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  const [code] = await once(child, 'exit')
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`)
  return out
}

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size)
}

async function benchParse(report: Report, root: string, repoDir: string): Promise<void> {
  const pack = new Uint8Array(spawnSync('git', ['pack-objects', '--stdout', '--all', '--delta-base-offset', '-q'], { cwd: repoDir, maxBuffer: 1 << 30 }).stdout)
  const packFile = join(root, 'bench.pack')
  writeFileSync(packFile, pack)
  let objects = 0
  const ours: number[] = []
  const git: number[] = []
  const gitOne: number[] = []
  const iso: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(await time(async () => {
      objects = 0
      for await (const _ of parsePack(chunks(pack, 65516))) objects++
    }))
    git.push(await time(() => exec('git', ['index-pack', '-o', join(root, `git-${round}.idx`), packFile], root)))
    gitOne.push(await time(() => exec('git', ['index-pack', '--threads=1', '-o', join(root, `git1-${round}.idx`), packFile], root)))
    const isoDir = join(root, `iso-${round}`)
    mkdirSync(join(isoDir, '.git/objects/pack'), { recursive: true })
    writeFileSync(join(isoDir, '.git/objects/pack/p.pack'), readFileSync(packFile))
    iso.push(await time(() => isogit.indexPack({ fs, dir: isoDir, filepath: '.git/objects/pack/p.pack' })))
  }
  const note = `${objects.toLocaleString('en-US')} objects, ${(pack.length / 2 ** 20).toFixed(1)} MiB pack`
  const oursRow = report.add({ suite: SUITE, name: 'parse a deltified pack: pack-parser.ts (in process)', value: Math.min(...ours), unit: 's', better: 'lower', note })
  const gitRow = report.add({ suite: SUITE, name: 'parse a deltified pack: git index-pack (process)', value: Math.min(...git), unit: 's', better: 'lower' })
  const gitOneRow = report.add({ suite: SUITE, name: 'parse a deltified pack: git index-pack --threads=1', value: Math.min(...gitOne), unit: 's', better: 'lower' })
  const isoRow = report.add({ suite: SUITE, name: 'parse a deltified pack: isomorphic-git indexPack', value: Math.min(...iso), unit: 's', better: 'lower' })
  report.ratio(SUITE, 'pack parse, git index-pack over pack-parser.ts', oursRow, gitRow)
  report.ratio(SUITE, 'pack parse, git index-pack --threads=1 over pack-parser.ts', oursRow, gitOneRow)
  report.ratio(SUITE, 'pack parse, isomorphic-git over pack-parser.ts', oursRow, isoRow)
}

async function benchClone(report: Report, root: string, head: string): Promise<void> {
  await ensureBuilt()
  const server = await startGitHttpBackend({ root })
  try {
    const url = `${server.url}history.git`
    const ours: number[] = []
    const theirs: number[] = []
    let cloned: { objects: number; bytes: number; branches: Array<{ branch: string; id: string }> } | undefined
    for (let round = 0; round < ROUNDS; round++) {
      let out = ''
      ours.push(await time(async () => (out = await exec(process.execPath, [IRMIN_BIN, '--json', 'clone', url, join(root, `irmin-${round}`)]))))
      cloned = JSON.parse(out)
      theirs.push(await time(() => exec('git', ['clone', '--quiet', '--bare', url, join(root, `git-${round}.git`)])))
    }
    report.check(SUITE, 'irmin clone has the head of the origin', cloned!.branches.find((b) => b.branch === 'main')?.id === head, head.slice(0, 12))
    const note = `${cloned!.objects.toLocaleString('en-US')} objects, ${(cloned!.bytes / 2 ** 20).toFixed(1)} MiB pack`
    const oursRow = report.add({ suite: SUITE, name: 'clone from git http-backend: irmin clone (LevelDB), whole process', value: Math.min(...ours), unit: 's', better: 'lower', note })
    const gitRow = report.add({ suite: SUITE, name: 'clone from git http-backend: git clone --bare', value: Math.min(...theirs), unit: 's', better: 'lower' })
    report.ratio(SUITE, 'clone time, git clone over irmin clone (≥ 1: irmin no slower)', oursRow, gitRow)
  } finally {
    await server.close()
  }
}

export async function runSuite(report: Report): Promise<void> {
  console.log(`\n== git-protocol-client: ${COMMITS.toLocaleString('en-US')} commits, aggressively repacked, against git http-backend`)
  const root = mkdtempSync(join(tmpdir(), 'bench-git-client-'))
  const repoDir = join(root, 'history.git')
  try {
    const head = await writeHistory(repoDir)
    console.log(`  history written, head ${head.slice(0, 12)}`)
    await benchParse(report, root, repoDir)
    await benchClone(report, root, head)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

export { runSuite as run }
