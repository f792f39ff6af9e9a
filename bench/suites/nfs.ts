/**
 * The NFS export beside nfs-ganesha (VFS backend, serving a local directory), measured with the
 * same client in the same run: Debian's `nfs-cp` writing and reading a 100 MB random file, the
 * C driver (tools/peers/nfs/driver.c) creating 1,000 small files in a new directory (create,
 * write, close: libnfs sends COMMIT on close), and `nfs-ls` listing a 10,000-entry directory not
 * listed before. The sides take turns ROUNDS times, each figure the median of its rounds. Ours
 * serves a LevelDB store opened with a 256 MiB object limit (the default, 64 MiB, is below a 100 MB blob). Ratios are
 * ours against ganesha; the target is ≥ 0.5 on each.
 *
 * Ganesha comes from ../shared/peers/nfs/start-ganesha.sh (or $NFS_PEERS_DIR): it needs root and
 * starts rpcbind when none runs.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Contents, openLevelBackend, Repo, startNfsServer } from '../../index.js'
import { PACKAGE_ROOT } from '../../tools/irmin-cli.js'
import { buildDriver, tool } from '../../tools/nfs-tools.js'
import { type Report, time } from '../report.js'

const SUITE = 'nfs'
const BIG = 100_000_000
const SMALL_FILES = 1000
const LISTED = 10_000
/** Turns each side takes at the loads. */
const ROUNDS = 3
const GANESHA_PORT = 20591
const GANESHA_MOUNT_PORT = 20549

interface Target {
  name: string
  url(path?: string): string
}

const urlOf = (port: number, mountPort: number) => (path = '') => `nfs://127.0.0.1/export${path}?nfsport=${port}&mountport=${mountPort}&version=3`

async function must(command: string, args: string[]): Promise<void> {
  const r = await tool(command, args, 600_000)
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr || r.stdout}`)
}

async function startGanesha(dir: string): Promise<{ target: Target; stop(): void; exportDir: string }> {
  const script = join(process.env.NFS_PEERS_DIR ?? join(PACKAGE_ROOT, '../shared/peers/nfs'), 'start-ganesha.sh')
  if (!existsSync(script)) throw new Error(`nfs-ganesha's start script is missing: ${script} (set NFS_PEERS_DIR)`)
  const exportDir = join(dir, 'ganesha-export')
  const runDir = join(dir, 'ganesha-run')
  mkdirSync(exportDir, { recursive: true })
  const child: ChildProcess = spawn('sh', [script, exportDir, runDir, String(GANESHA_PORT), String(GANESHA_MOUNT_PORT)], { stdio: 'ignore' })
  const target = { name: 'ganesha', url: urlOf(GANESHA_PORT, GANESHA_MOUNT_PORT) }
  const stop = () => {
    const pidFile = join(runDir, 'ganesha.pid')
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM')
    child.kill('SIGTERM')
  }
  for (let i = 0; ; i++) {
    if ((await tool('nfs-ls', [target.url()])).status === 0) return { target, stop, exportDir }
    if (i > 60) {
      stop()
      throw new Error('nfs-ganesha did not start within 30 s (see its log in the run directory)')
    }
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

interface RoundTimes {
  write: number
  read: number
  small: number
  list: number
  listed: number
  readBack: boolean
}

/**
 * One round of every load, in new files and directories: the 100 MB file written and read back,
 * SMALL_FILES files created, and a directory not listed before listed.
 */
async function measureRound(target: Target, dir: string, driver: string, local: string, round: number): Promise<RoundTimes> {
  const back = join(dir, `${target.name}-back.bin`)
  const write = await time(() => must('nfs-cp', [local, target.url(`/big-${round}.bin`)]))
  const read = await time(() => must('nfs-cp', [target.url(`/big-${round}.bin`), back]))
  const readBack = readFileSync(back).equals(readFileSync(local))
  rmSync(back)
  const small = await time(() => must(driver, [target.url(), 'mkfiles', `/small-${round}`, String(SMALL_FILES)]))
  let listed = 0
  const list = await time(async () => {
    const r = await tool('nfs-ls', [target.url(`/listing-${round}`)], 600_000)
    listed = r.stdout.trim().split('\n').length
  })
  return { write, read, small, list, listed, readBack }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

export async function run(report: Report): Promise<void> {
  console.log(`\n== nfs: the NFS export beside nfs-ganesha (nfs-cp, small files, listing)`)
  const dir = mkdtempSync(join(tmpdir(), 'bench-nfs-'))
  const driver = await buildDriver()
  const local = join(dir, 'big.bin')
  writeFileSync(local, randomBytes(BIG))
  const ganesha = await startGanesha(dir)
  const repo = await Repo.open({ backend: await openLevelBackend(join(dir, 'store'), { maxObjectSize: 256 << 20 }), contents: Contents.bytes })
  const server = await startNfsServer({ repo, port: 0, mountPort: 0, maxFileSize: 200 << 20 })
  try {
    // The directories to list, made beforehand on each side (their making is not measured).
    for (let round = 0; round < ROUNDS; round++) {
      mkdirSync(join(ganesha.exportDir, `listing-${round}`))
      for (let i = 0; i < LISTED; i++) writeFileSync(join(ganesha.exportDir, `listing-${round}`, `entry-${i}`), String(i))
    }
    await repo.branch('main').batch(tx => {
      for (let round = 0; round < ROUNDS; round++) for (let i = 0; i < LISTED; i++) tx.set([`listing-${round}`, `entry-${i}`], new TextEncoder().encode(String(i)))
    })
    const targets = [{ name: 'irminsule', url: urlOf(server.port, server.mountPort) }, ganesha.target]
    // The sides take turns, ROUNDS times: this machine's disk and CPU speed drift over seconds,
    // and a side measured only while they are slow would carry that into the ratio. Each figure
    // is the median of its rounds.
    const rounds = targets.map(() => [] as RoundTimes[])
    for (let round = 0; round < ROUNDS; round++) for (const [i, target] of targets.entries()) rounds[i].push(await measureRound(target, dir, driver, local, round))
    const [ours, theirs] = targets.map((target, i) => {
      const r = rounds[i]
      const each = (f: (x: RoundTimes) => number, digits: number) => r.map(x => f(x).toFixed(digits)).join(' / ')
      console.log(`  ${target.name}, per round: write ${each(x => x.write, 2)} s; read ${each(x => x.read, 2)} s; small files ${each(x => x.small, 2)} s; listing ${each(x => x.list * 1000, 0)} ms`)
      report.check(SUITE, `${target.name}: the 100 MB file reads back byte for byte`, r.every(x => x.readBack), 'compared, each round')
      report.check(SUITE, `${target.name}: each listing has every entry`, r.every(x => x.listed === LISTED), r.map(x => `${x.listed}`).join(', ') + ' entries')
      const of = `(median of ${ROUNDS})`
      return {
        write: report.add({ suite: SUITE, name: `${target.name}: nfs-cp write 100 MB ${of}`, value: BIG / 1e6 / median(r.map(x => x.write)), unit: 'MB/s', better: 'higher' }),
        read: report.add({ suite: SUITE, name: `${target.name}: nfs-cp read 100 MB ${of}`, value: BIG / 1e6 / median(r.map(x => x.read)), unit: 'MB/s', better: 'higher' }),
        small: report.add({ suite: SUITE, name: `${target.name}: create ${SMALL_FILES} small files ${of}`, value: SMALL_FILES / median(r.map(x => x.small)), unit: 'files/s', better: 'higher' }),
        list: report.add({ suite: SUITE, name: `${target.name}: nfs-ls a ${LISTED}-entry directory ${of}`, value: median(r.map(x => x.list)) * 1000, unit: 'ms', better: 'lower' }),
      }
    })
    report.ratio(SUITE, 'nfs-cp write 100 MB vs ganesha', ours.write, theirs.write, 0.5)
    report.ratio(SUITE, 'nfs-cp read 100 MB vs ganesha', ours.read, theirs.read, 0.5)
    report.ratio(SUITE, `create ${SMALL_FILES} small files vs ganesha`, ours.small, theirs.small, 0.5)
    report.ratio(SUITE, `list ${LISTED} entries vs ganesha`, ours.list, theirs.list, 0.5)
    await server.flush()
    report.check(SUITE, 'irminsule: the upload is a commit on main', (await repo.branch('main').find([`big-${ROUNDS - 1}.bin`]))?.length === BIG, 'irmin get')
  } finally {
    await server.close()
    await repo.close()
    ganesha.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
