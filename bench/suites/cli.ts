/**
 * The `irmin` command's start-up, beside its floor and its peer in the same run: `node -e 0`
 * (what Node itself costs), `git` (the tool people compare it with), the CLI as one bundled file
 * (what bin/irmin.js runs) and as the ~230 modules tsc writes (what it ran before), each a fresh
 * process, taking turns in batches of 10, the median of ROUNDS batches. Figures are CPU time (user + system, from GNU
 * /usr/bin/time), which a busy machine disturbs far less than wall time. Then a script that sets
 * 100 keys: 100 processes against one `irmin set k1=v k2=v ...` (wall time).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureBuilt, IRMIN_BIN, PACKAGE_ROOT } from '../../tools/irmin-cli.js'
import type { Report } from '../report.js'

const SUITE = 'cli'
const ROUNDS = Number(process.env.CLI_BENCH_ROUNDS ?? 5)
const KEYS = 100

function seconds(command: string, args: readonly string[]): number {
  const start = process.hrtime.bigint()
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`)
  return Number(process.hrtime.bigint() - start) / 1e9
}

/** Runs per timed batch: GNU time counts CPU in hundredths of a second, too coarse for one start. */
const BATCH = 10
const LOOP = 'i=0; while [ $i -lt ' + BATCH + ' ]; do "$@" >/dev/null || exit 1; i=$((i+1)); done'

/** CPU seconds (user + system) of one run, as GNU time reports them for a batch of runs. */
function cpuSeconds(command: string, args: readonly string[], dir: string): number {
  const out = join(dir, 'time.out')
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', out, 'sh', '-c', LOOP, 'sh', command, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
  })
  if (result.error) throw new Error('the cli bench needs GNU time: apt-get install time')
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`)
  const [user, system] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number)
  return (user + system) / BATCH
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

export async function run(report: Report): Promise<void> {
  console.log(`\n${SUITE}: irmin start-up beside node and git (CPU per start, median of ${ROUNDS} batches of ${BATCH})`)
  await ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'irmin-bench-cli-'))
  try {
    const [level, gitStore] = [join(dir, 'level'), join(dir, 'git')]
    const irmin = (...args: string[]) => execFileSync(process.execPath, [IRMIN_BIN, ...args], { stdio: 'pipe' })
    for (const [root, backend] of [[level, 'level'], [gitStore, 'git']]) {
      irmin('--root', root, '--backend', backend, 'init')
      irmin('--root', root, 'set', 'a/b', 'hello')
    }
    const modules = join(PACKAGE_ROOT, 'dist/cli/main.js')
    const runs: Record<string, [string, string[]]> = {
      'node -e 0': [process.execPath, ['-e', '0']],
      'git cat-file -p HEAD:a/b (git store)': ['git', ['--git-dir', gitStore, 'cat-file', '-p', 'HEAD:a/b']],
      'irmin --version': [process.execPath, [IRMIN_BIN, '--version']],
      'irmin --version (unbundled modules)': [process.execPath, [modules, '--version']],
      'irmin get a/b (level store)': [process.execPath, [IRMIN_BIN, '--root', level, 'get', 'a/b']],
      'irmin get a/b (level store, unbundled)': [process.execPath, [modules, '--root', level, 'get', 'a/b']],
      'irmin get a/b (git store)': [process.execPath, [IRMIN_BIN, '--root', gitStore, 'get', 'a/b']],
    }
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map(name => [name, []]))
    for (let round = 0; round < ROUNDS; round++) for (const [name, [command, args]] of Object.entries(runs)) times[name].push(cpuSeconds(command, args, dir))
    const rows = Object.fromEntries(Object.entries(times).map(([name, values]) => [name, report.add({ suite: SUITE, name, value: median(values) * 1000, unit: 'ms CPU', better: 'lower' })]))
    report.ratio(SUITE, 'irmin --version, bundled / unbundled', rows['irmin --version'], rows['irmin --version (unbundled modules)'])
    report.ratio(SUITE, 'irmin get (level), bundled / unbundled', rows['irmin get a/b (level store)'], rows['irmin get a/b (level store, unbundled)'])
    report.ratio(SUITE, 'irmin get (git store) vs git cat-file', rows['irmin get a/b (git store)'], rows['git cat-file -p HEAD:a/b (git store)'])
    report.add({ suite: SUITE, name: 'irmin --version above node -e 0', value: (rows['irmin --version'].value - rows['node -e 0'].value), unit: 'ms CPU', better: 'lower' })

    const pairs = Array.from({ length: KEYS }, (_, i) => `k/${i}=value ${i}`)
    const one = seconds(process.execPath, [IRMIN_BIN, '--root', level, 'set', ...pairs])
    const start = process.hrtime.bigint()
    for (const pair of pairs) {
      const [path, value] = pair.split('=')
      seconds(process.execPath, [IRMIN_BIN, '--root', level, 'set', path, `${value}!`])
    }
    const many = Number(process.hrtime.bigint() - start) / 1e9
    const oneRow = report.add({ suite: SUITE, name: `set ${KEYS} keys: one irmin set k=v ...`, value: one * 1000, unit: 'ms', better: 'lower' })
    const manyRow = report.add({ suite: SUITE, name: `set ${KEYS} keys: ${KEYS} irmin set processes`, value: many * 1000, unit: 'ms', better: 'lower' })
    report.ratio(SUITE, `set ${KEYS} keys, one process / ${KEYS}`, oneRow, manyRow)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
