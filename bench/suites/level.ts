/**
 * The LevelDB backend against its peers on the standard workload: the same git objects put into a
 * bare `level` database in the same batches (no engine), and native `git fast-import`; then cold
 * point reads against awaited raw `level` gets of exactly the objects the engine read.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { Contents, openLevelBackend, Repo } from '../../index.js'
import { isolated } from '../isolate.js'
import { type Report, time } from '../report.js'
import { KEYS_PER_COMMIT, writeWorkload } from '../workload.js'
import { bareMinimum } from './core.js'
import { engineColdReads } from '../cold-reads.js'

const SUITE = 'level'
const TOTAL = 100_000
const READS = 10_000
/** The backend's memtable size; the raw peer gets the same so neither is tuned differently. */
const WRITE_BUFFER = 8 * 1024 * 1024

interface Written {
  seconds: number
  tree: string
  location: string
}

/** The engine writes the standard workload into a fresh LevelDB directory (kept for the reads). */
export async function measureEngineWrite(location: string): Promise<Written> {
  const repo = await Repo.open({ backend: await openLevelBackend(location, { writeBufferSize: WRITE_BUFFER }), contents: Contents.bytes })
  const main = repo.branch('main')
  let tree = ''
  const seconds = await time(async () => {
    tree = (await writeWorkload(main, TOTAL)).tree
  })
  await repo.close()
  return { seconds, tree, location }
}

/**
 * The same objects, computed before the clock starts, put with `db.batch` one commit at a time,
 * each batch written with `sync: true`: the engine's promise is that a commit is durable when
 * acknowledged (every object batch and the ref update are sync writes: see backends/level.ts),
 * so the peer keeps the same promise, or it would be measuring the page cache against the disk.
 */
export async function measureRawLevelWrite(location: string): Promise<{ seconds: number }> {
  const batches: Array<Array<[string, Uint8Array]>> = []
  bareMinimum(TOTAL, objects => batches.push(objects))
  const db = new Level<string, Uint8Array>(location, { valueEncoding: 'view', writeBufferSize: WRITE_BUFFER })
  await db.open()
  const seconds = await time(async () => {
    for (const objects of batches) {
      await db.batch(
        objects.map(([key, value]) => ({ type: 'put' as const, key, value })),
        { sync: true } as object,
      )
    }
  })
  await db.close()
  return { seconds }
}

/** Compacts a freshly written store, so that reads measured next do not race its compactions. */
export async function settle(location: string): Promise<null> {
  const db = new Level<string, Uint8Array>(location, { valueEncoding: 'view' })
  await db.open()
  await (db as unknown as { compactRange(a: string, b: string): Promise<void> }).compactRange('\u0000', '\uffff')
  await db.close()
  return null
}

/** Cold reads: a fresh process opens the store and reads random keys; returns the object ids it fetched. */
export async function measureEngineColdReads(location: string): Promise<{ seconds: number; fetched: string[] }> {
  return engineColdReads(await openLevelBackend(location), TOTAL, READS)
}

/** The peer: awaited `db.get` of the same objects, in the same order, on the same directory. */
export async function measureRawColdReads(location: string, idsFile: string): Promise<{ seconds: number }> {
  const ids = readFileSync(idsFile, 'utf8').split('\n')
  const db = new Level<string, Uint8Array>(location, { valueEncoding: 'view' })
  await db.open()
  const objects = db.sublevel<string, Uint8Array>('o', { valueEncoding: 'view' })
  const seconds = await time(async () => {
    for (const id of ids) {
      if ((await objects.get(id)) === undefined) throw new Error(`raw read missed ${id}`)
    }
  })
  await db.close()
  return { seconds }
}

export async function run(report: Report): Promise<void> {
  console.log(`\n== level: LevelDB backend, standard workload (${TOTAL.toLocaleString('en-US')} keys, ${KEYS_PER_COMMIT} per commit)`)
  const here = import.meta.url
  const root = mkdtempSync(join(tmpdir(), 'bench-level-'))
  try {
    const writes: Written[] = []
    const raws: Array<{ seconds: number }> = []
    for (let round = 0; round < 2; round++) {
      raws.push(await isolated(here, 'measureRawLevelWrite', join(root, `raw${round}`)))
      writes.push(await isolated(here, 'measureEngineWrite', join(root, `engine${round}`)))
    }
    const engine = writes.reduce((a, b) => (b.seconds < a.seconds ? b : a))
    const raw = raws.reduce((a, b) => (b.seconds < a.seconds ? b : a))
    const fastImport = await isolated<{ seconds: number; tree: string }>(new URL('./core.ts', here).href, 'measureFastImport', TOTAL)
    const ours = report.add({ suite: SUITE, name: 'bulk write, irminsule on LevelDB', value: TOTAL / engine.seconds, unit: 'keys/s', better: 'higher' })
    const rawRow = report.add({
      suite: SUITE,
      name: 'bulk write, same objects into bare level (batches)',
      value: TOTAL / raw.seconds,
      unit: 'keys/s',
      better: 'higher',
      note: 'each batch a sync write, as durable as a commit',
    })
    const fiRow = report.add({ suite: SUITE, name: 'bulk write, native git fast-import', value: TOTAL / fastImport.seconds, unit: 'keys/s', better: 'higher' })
    report.ratio(SUITE, 'LevelDB bulk write vs bare level', ours, rawRow, 0.7)
    report.ratio(SUITE, 'LevelDB bulk write vs git fast-import', ours, fiRow, 1.5)
    report.check(SUITE, 'same final tree: LevelDB engine, git fast-import', engine.tree === fastImport.tree, engine.tree)

    await isolated(here, 'settle', engine.location)
    const idsFile = join(root, 'fetched.txt')
    const engineReads: Array<{ seconds: number; fetched: string[] }> = []
    const rawReads: Array<{ seconds: number }> = []
    for (let round = 0; round < 2; round++) {
      engineReads.push(await isolated(here, 'measureEngineColdReads', engine.location))
      writeFileSync(idsFile, engineReads[0].fetched.join('\n'))
      rawReads.push(await isolated(here, 'measureRawColdReads', engine.location, idsFile))
    }
    const cold = engineReads.reduce((a, b) => (b.seconds < a.seconds ? b : a))
    const rawCold = rawReads.reduce((a, b) => (b.seconds < a.seconds ? b : a))
    const coldRow = report.add({
      suite: SUITE,
      name: `cold point reads, irminsule on LevelDB (${READS.toLocaleString('en-US')} random keys)`,
      value: READS / cold.seconds,
      unit: 'reads/s',
      better: 'higher',
      note: `${cold.fetched.length.toLocaleString('en-US')} objects fetched`,
    })
    const rawColdRow = report.add({ suite: SUITE, name: 'cold point reads, awaited raw level gets of the same objects', value: READS / rawCold.seconds, unit: 'reads/s', better: 'higher' })
    report.ratio(SUITE, 'cold point reads vs raw level gets', coldRow, rawColdRow, 1)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
