/**
 * The comments book's sync (issue 13): two readers in headless Chromium, each with 200 comments
 * written offline on the same chapter, go online at once; the figure is the time until both pages
 * show all 400 comments with nothing left unsynced. Issue 13's target: ≤ 2 s. Each round uses a
 * fresh LevelDB store behind a fresh `irmin serve` and fresh browser contexts; the median of the
 * rounds is held to the target (the best and worst are printed beside it).
 *
 * There is no peer to run beside it: the figure is absolute, so run it on a quiet machine.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchChromium } from '../../tools/browser.js'
import { addComments, nameReader, openReader, showsSynced } from '../../tools/comments-readers.js'
import { ensureBuilt, irmin, startIrmin } from '../../tools/irmin-cli.js'
import type { Report } from '../report.js'

const SUITE = 'comments'
const PER_READER = Number(process.env.IRMIN_BENCH_COMMENTS ?? 200)
const ROUNDS = 5
const TARGET_S = 2
const TIMEOUT_MS = 60_000

export async function run(report: Report): Promise<void> {
  console.log(`\n== comments: two readers with ${PER_READER} offline comments each go online (headless Chromium, irmin serve on LevelDB)`)
  await ensureBuilt()
  const browser = await launchChromium()
  const seconds: number[] = []
  try {
    for (let round = 0; round < ROUNDS; round++) seconds.push(await syncRound(browser, round))
  } finally {
    await browser.close()
  }
  const sorted = [...seconds].sort((a, b) => a - b)
  const median = sorted[Math.floor(sorted.length / 2)]
  const row = report.add({
    suite: SUITE,
    name: `sync of 2 × ${PER_READER} offline comments after going online (median of ${ROUNDS})`,
    value: median,
    unit: 's',
    better: 'lower',
    note: `best ${sorted[0].toFixed(2)} s, worst ${sorted[sorted.length - 1].toFixed(2)} s`,
  })
  report.target(SUITE, 'two readers converge after going online', row, TARGET_S)
}

async function syncRound(browser: Awaited<ReturnType<typeof launchChromium>>, round: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-comments-'))
  const root = join(dir, 'store')
  const init = await irmin(['--root', root, 'init'])
  if (init.status !== 0) throw new Error(`irmin init: ${init.stderr}`)
  const server = startIrmin(['--root', root, '--json', 'serve', '--port', '0'])
  try {
    const url = JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url as string
    const readers = await Promise.all(['Carol', 'Dan'].map(() => openReader(browser, url, 'branches')))
    try {
      await Promise.all(readers.map((reader, i) => nameReader(reader, ['Carol', 'Dan'][i])))
      for (const reader of readers) await reader.context.setOffline(true)
      await Promise.all(readers.map((reader, i) => addComments(reader, ['Carol', 'Dan'][i], PER_READER)))
      const started = performance.now()
      await Promise.all(readers.map(reader => reader.context.setOffline(false)))
      for (;;) {
        const done = await Promise.all(readers.map(reader => showsSynced(reader, 2 * PER_READER)))
        if (done.every(Boolean)) break
        if (performance.now() - started > TIMEOUT_MS) throw new Error(`round ${round + 1}: the pages did not converge within ${TIMEOUT_MS / 1000} s`)
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      const took = (performance.now() - started) / 1000
      const errors = readers.flatMap(reader => reader.errors)
      if (errors.length > 0) throw new Error(`round ${round + 1}: page errors: ${errors.join('; ')}`)
      console.log(`  round ${round + 1}: ${took.toFixed(2)} s`)
      return took
    } finally {
      for (const reader of readers) await reader.context.close()
    }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
