/**
 * `irmin xenstored` beside Debian's C xenstored and oxenstored (the reference daemons, run without
 * Xen through tools/peers/xenstored/), each in its own process on its own socket, driven by the
 * same closed-loop client (bench/xenstore-load.ts) in a third process: reads/s, writes/s and
 * transactions/s with 1 and 4 connections, as ratios against C xenstored (target ≥ 1×), and the
 * EAGAINs each daemon answers to disjoint transactions under contention (target: 0 for ours).
 * Ours runs on LevelDB with its write-behind (README, "Xenstore daemon": durability).
 * A fourth server, the Node floor (bench/xenstore-floor.ts), answers every request at once and
 * does nothing else: what any daemon written for Node can reach on this machine, in this run.
 * Beside ops/s, each row notes the daemon's CPU per operation (all its threads, from /proc; the
 * median over rounds), which swings far less than ops/s on a shared machine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureBuilt, IRMIN_BIN } from '../../tools/irmin-cli.js'
import { type ReferenceDaemon, spawnDaemon, startReference } from '../../tools/xenstore-peers.js'
import { isolated } from '../isolate.js'
import type { Report, Row } from '../report.js'
import type { Load, LoadResult } from '../xenstore-load.js'

const SUITE = 'xenstore'
const SECONDS = Number(process.env.XS_BENCH_SECONDS ?? 2)
/** Rounds per figure, the daemons taking turns; the best round counts (the machine is shared and noisy). */
const ROUNDS = Number(process.env.XS_BENCH_ROUNDS ?? 3)
const LOAD = new URL('../xenstore-load.ts', import.meta.url).href
const FLOOR = fileURLToPath(new URL('../xenstore-floor.ts', import.meta.url))

/** CPU time a process has used, all threads, in µs (Linux: /proc/PID/stat, in clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** The compiled `irmin` (built first when older than the sources), as users run it. */
async function startOurs(dir: string): Promise<ReferenceDaemon> {
  await ensureBuilt()
  const socket = join(dir, 'socket')
  return spawnDaemon(process.execPath, [IRMIN_BIN, '--root', join(dir, 'store'), 'xenstored', '--socket', socket], socket, 'irmin xenstored', 'SIGTERM')
}

export async function run(report: Report): Promise<void> {
  console.log(`\n${SUITE}: irmin xenstored vs C xenstored vs oxenstored (closed loop, ${SECONDS} s each)`)
  const dir = mkdtempSync(join(tmpdir(), 'irmin-bench-xs-'))
  const daemons = {
    irminsule: await startOurs(join(dir, 'irmin')),
    'C xenstored': await startReference('c', join(dir, 'c')),
    oxenstored: await startReference('ocaml', join(dir, 'ocaml')),
    'Node floor': await spawnDaemon(process.execPath, ['--import', 'tsx', FLOOR, join(dir, 'floor.sock')], join(dir, 'floor.sock'), 'Node floor', 'SIGTERM'),
  }
  try {
    const loads: Array<[Load, number, string]> = [
      ['read', 1, 'reads/s'],
      ['read', 4, 'reads/s'],
      ['write', 1, 'writes/s'],
      ['write', 4, 'writes/s'],
      ['tx', 1, 'transactions/s'],
      ['tx', 4, 'transactions/s'],
      ['contended', 4, 'transactions/s'],
    ]
    for (const [load, conns, unit] of loads) {
      const rows: Record<string, Row> = {}
      const eagains: Record<string, number> = {}
      const best: Record<string, LoadResult> = {}
      const eagainTotal: Record<string, number> = {}
      const cpu: Record<string, number[]> = {}
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, daemon] of Object.entries(daemons)) {
          const before = cpuMicros(daemon.pid)
          const result = await isolated<LoadResult>(LOAD, 'measureLoad', daemon.socket, load, conns, SECONDS)
          const perOp = (cpu[name] ??= [])
          perOp.push((cpuMicros(daemon.pid) - before) / Math.max(1, result.ops))
          if (!best[name] || result.opsPerSecond > best[name].opsPerSecond) best[name] = result
          eagainTotal[name] = (eagainTotal[name] ?? 0) + result.eagain
        }
      }
      for (const [name, result] of Object.entries(best)) {
        const note = `best of ${ROUNDS}; daemon CPU ${median(cpu[name]!).toFixed(1)} µs/op (median); ${eagainTotal[name]} EAGAIN in all rounds${result.errors > 0 ? `, ${result.errors} errors` : ''}`
        rows[name] = report.add({ suite: SUITE, name: `${load}, ${conns} conn${conns > 1 ? 's' : ''}, ${name}`, value: result.opsPerSecond, unit, better: 'higher', note })
        eagains[name] = eagainTotal[name]!
      }
      const label = `${load} ${conns} conn${conns > 1 ? 's' : ''}`
      report.ratio(SUITE, `${label}: irminsule vs C xenstored`, rows.irminsule!, rows['C xenstored']!, load === 'contended' ? undefined : 1)
      report.ratio(SUITE, `${label}: irminsule vs oxenstored`, rows.irminsule!, rows.oxenstored!)
      report.ratio(SUITE, `${label}: Node floor vs C xenstored`, rows['Node floor']!, rows['C xenstored']!)
      if (load === 'contended' || load === 'tx') {
        const counts = Object.entries(eagains).filter(([name]) => name !== 'Node floor').map(([name, n]) => `${name} ${n}`).join(', ')
        report.check(SUITE, `${label}: no EAGAIN for disjoint transactions (irminsule)`, eagains.irminsule === 0, `EAGAINs: ${counts}`)
      }
    }
  } finally {
    for (const daemon of Object.values(daemons)) await daemon.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
