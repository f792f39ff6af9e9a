/**
 * The PostgreSQL backend on a throwaway cluster (tools/postgres-cluster.ts; fsync and synchronous
 * commit on, as a production server), beside LevelDB in the same run:
 * - the standard write workload through the backend, against the same objects (computed before
 *   the clock starts) put with the same client (`pg`) as multi-row inserts, one commit's objects
 *   per statement batch, each committed: the bare minimum of getting them into PostgreSQL durably;
 * - cold point reads of random keys, against awaited single-row SELECTs of the objects the engine read;
 * - GC of a store of about 1,000,000 objects, half garbage (bench/suites/gc.ts's store;
 *   BENCH_PG_GC_HALF sets keys per branch), against the same on LevelDB.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { Contents, openPostgresBackend, Repo } from '../../index.js'
import { PostgresCluster } from '../../tools/postgres-cluster.js'
import { isolated } from '../isolate.js'
import { type Report, time } from '../report.js'
import { KEYS_PER_COMMIT, writeWorkload } from '../workload.js'
import { bareMinimum } from './core.js'
import { engineColdReads } from '../cold-reads.js'

const SUITE = 'postgres'
const TOTAL = 100_000
const READS = 5_000
const GC_HALF = Number(process.env.BENCH_PG_GC_HALF ?? 500_000)

export async function measureEngineWrite(url: string): Promise<{ seconds: number; tree: string }> {
  const repo = await Repo.open({ backend: await openPostgresBackend(url), contents: Contents.bytes })
  let tree = ''
  const seconds = await time(async () => {
    tree = (await writeWorkload(repo.branch('main'), TOTAL)).tree
  })
  await repo.close()
  return { seconds, tree }
}

/** The same objects as multi-row inserts (ON CONFLICT DO NOTHING), one commit's objects at a time, 2,000 rows a statement. */
export async function measureRawWrite(url: string): Promise<{ seconds: number }> {
  const batches: Array<Array<[string, Uint8Array]>> = []
  bareMinimum(TOTAL, objects => batches.push(objects))
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query('CREATE TABLE raw (id bytea PRIMARY KEY, body bytea NOT NULL, size integer NOT NULL, written_at timestamptz NOT NULL DEFAULT now())')
  await client.query('ALTER TABLE raw ALTER COLUMN body SET STORAGE EXTERNAL')
  const seconds = await time(async () => {
    for (const objects of batches) {
      for (let i = 0; i < objects.length; i += 2000) {
        const chunk = objects.slice(i, i + 2000)
        await client.query({
          name: 'raw-put',
          text: 'INSERT INTO raw (id, body, size) SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::int[]) ON CONFLICT (id) DO NOTHING',
          values: [chunk.map(([id]) => Buffer.from(id, 'hex')), chunk.map(([, body]) => Buffer.from(body)), chunk.map(([, body]) => body.length)],
        })
      }
    }
  })
  await client.end()
  return { seconds }
}

/** Cold reads in a fresh process: random keys through the engine; returns the ids it fetched. */
export async function measureEngineColdReads(url: string): Promise<{ seconds: number; fetched: string[] }> {
  return engineColdReads(await openPostgresBackend(url), TOTAL, READS)
}

/** The peer: awaited single-row SELECTs (a prepared statement) of the same objects, in the same order. */
export async function measureRawColdReads(url: string, idsFile: string): Promise<{ seconds: number }> {
  const ids = readFileSync(idsFile, 'utf8').split('\n')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const seconds = await time(async () => {
    for (const id of ids) {
      const r = await client.query({ name: 'raw-get', text: 'SELECT body FROM irmin.objects WHERE id = $1', values: [Buffer.from(id, 'hex')] })
      if (r.rows.length !== 1) throw new Error(`raw read missed ${id}`)
    }
  })
  await client.end()
  return { seconds }
}

export async function measureGc(url: string): Promise<{ seconds: number; scanned: number; removed: number }> {
  const repo = await Repo.open({ backend: await openPostgresBackend(url), contents: Contents.bytes })
  let report!: Awaited<ReturnType<typeof repo.gc>>
  const seconds = await time(async () => {
    report = await repo.gc({ pruneExpire: new Date() })
  })
  await repo.close()
  return { seconds, scanned: report.scanned, removed: report.removed }
}

const best = <T extends { seconds: number }>(runs: T[]): T => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a))

export async function run(report: Report): Promise<void> {
  console.log(`\n== postgres: PostgreSQL backend, standard workload (${TOTAL.toLocaleString('en-US')} keys, ${KEYS_PER_COMMIT} per commit), beside LevelDB`)
  const here = import.meta.url
  const level = new URL('./level.ts', here).href
  const cluster = await PostgresCluster.start({ durable: true })
  const dir = mkdtempSync(join(tmpdir(), 'bench-postgres-'))
  try {
    const engines: Array<{ seconds: number; tree: string }> = []
    const raws: Array<{ seconds: number }> = []
    const levels: Array<{ seconds: number; tree: string }> = []
    for (let round = 0; round < 2; round++) {
      raws.push(await isolated(here, 'measureRawWrite', cluster.createDatabase(`raw${round}`)))
      engines.push(await isolated(here, 'measureEngineWrite', cluster.createDatabase(`engine${round}`)))
      levels.push(await isolated(level, 'measureEngineWrite', join(dir, `level${round}`)))
    }
    const engine = best(engines)
    const ours = report.add({ suite: SUITE, name: 'bulk write, irminsule on PostgreSQL', value: TOTAL / engine.seconds, unit: 'keys/s', better: 'higher' })
    const raw = report.add({ suite: SUITE, name: 'bulk write, same objects as batched inserts (pg)', value: TOTAL / best(raws).seconds, unit: 'keys/s', better: 'higher', note: 'each statement committed, as the backend does' })
    const lvl = report.add({ suite: SUITE, name: 'bulk write, irminsule on LevelDB (same run)', value: TOTAL / best(levels).seconds, unit: 'keys/s', better: 'higher' })
    report.ratio(SUITE, 'PostgreSQL bulk write vs raw batched inserts', ours, raw, 0.7)
    report.ratio(SUITE, 'PostgreSQL bulk write vs LevelDB', ours, lvl)
    report.check(SUITE, 'same final tree: PostgreSQL, LevelDB', engine.tree === best(levels).tree, engine.tree)

    const url = cluster.url('engine0')
    const idsFile = join(dir, 'fetched.txt')
    const reads: Array<{ seconds: number; fetched: string[] }> = []
    const rawReads: Array<{ seconds: number }> = []
    for (let round = 0; round < 2; round++) {
      reads.push(await isolated(here, 'measureEngineColdReads', url))
      writeFileSync(idsFile, reads[0].fetched.join('\n'))
      rawReads.push(await isolated(here, 'measureRawColdReads', url, idsFile))
    }
    const levelReads = await isolated<{ seconds: number }>(level, 'measureEngineColdReads', join(dir, 'level0'))
    const cold = best(reads)
    const coldRow = report.add({ suite: SUITE, name: `point reads, irminsule on PostgreSQL (${READS.toLocaleString('en-US')} random keys, fresh process)`, value: READS / cold.seconds, unit: 'reads/s', better: 'higher', note: `${cold.fetched.length.toLocaleString('en-US')} objects fetched` })
    const rawRow = report.add({ suite: SUITE, name: 'point reads, awaited single-row SELECTs of the same objects', value: READS / best(rawReads).seconds, unit: 'reads/s', better: 'higher' })
    const levelRow = report.add({ suite: SUITE, name: `point reads, irminsule on LevelDB (${(10_000).toLocaleString('en-US')} random keys)`, value: 10_000 / levelReads.seconds, unit: 'reads/s', better: 'higher' })
    report.ratio(SUITE, 'PostgreSQL point reads vs raw SELECTs', coldRow, rawRow)
    report.ratio(SUITE, 'PostgreSQL point reads vs LevelDB', coldRow, levelRow)

    const gcUrl = cluster.createDatabase('gc')
    const gcLevel = join(dir, 'gc-level')
    const gc = new URL('./gc.ts', here).href
    const { objects } = await isolated<{ objects: number }>(gc, 'buildGcStore', gcUrl, 'postgres', GC_HALF)
    await isolated(gc, 'buildGcStore', gcLevel, 'level', GC_HALF)
    const pgGc = await isolated<{ seconds: number; scanned: number; removed: number }>(here, 'measureGc', gcUrl)
    const levelGc = await isolated<{ seconds: number; scanned: number }>(gc, 'measureGc', gcLevel)
    const pgRow = report.add({ suite: SUITE, name: `gc of ${objects.toLocaleString('en-US')} objects (half garbage), PostgreSQL`, value: pgGc.scanned / pgGc.seconds, unit: 'objects/s', better: 'higher', note: `${pgGc.removed.toLocaleString('en-US')} removed in ${pgGc.seconds.toFixed(1)} s` })
    const levelGcRow = report.add({ suite: SUITE, name: 'gc of the same store on LevelDB', value: levelGc.scanned / levelGc.seconds, unit: 'objects/s', better: 'higher', note: `${levelGc.seconds.toFixed(1)} s` })
    report.ratio(SUITE, 'PostgreSQL gc vs LevelDB gc', pgRow, levelGcRow)
  } finally {
    cluster.stopSync()
    rmSync(dir, { recursive: true, force: true })
  }
}
