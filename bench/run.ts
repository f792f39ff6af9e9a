/**
 * `npm run bench [-- suite ...]`: runs the benchmark suites (all by default), each measuring
 * irminsule beside its peers in the same run, prints figures and ratios, and writes
 * bench/results/latest.json.
 */
import { Report } from './report.js'

const SUITES: Record<string, () => Promise<{ run(report: Report): Promise<void> }>> = {
  core: () => import('./suites/core.js'),
  level: () => import('./suites/level.js'),
  postgres: () => import('./suites/postgres.js'),
  indexeddb: () => import('./suites/indexeddb.js'),
  merge: () => import('./suites/merge.js'),
  git: () => import('./suites/git-backend.js'),
  gc: () => import('./suites/gc.js'),
  sync: () => import('./suites/sync.js'),
  xenstore: () => import('./suites/xenstore.js'),
  nfs: () => import('./suites/nfs.js'),
  'git-protocol': () => import('./suites/git-protocol.js'),
  'git-protocol-client': () => import('./suites/git-protocol-client.js'),
  cli: () => import('./suites/cli.js'),
  'git-pack-read': () => import('./suites/git-pack-read.js'),
  comments: () => import('./suites/comments.js'),
}

const wanted = process.argv.slice(2)
const unknown = wanted.filter(name => !(name in SUITES))
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; available: ${Object.keys(SUITES).join(', ')}`)
  process.exit(2)
}

const report = new Report()
for (const name of wanted.length > 0 ? wanted : Object.keys(SUITES)) {
  const suite = await SUITES[name]()
  await suite.run(report)
}
const file = report.write()
const missed = [...report.ratios.filter(r => r.target !== undefined && r.value < r.target), ...report.checks.filter(c => !c.ok)]
console.log(`\nresults written to ${file}; ${missed.length === 0 ? 'every target met' : `${missed.length} target(s) or check(s) missed`}`)
