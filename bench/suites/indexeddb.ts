/**
 * The engine on IndexedDB in headless Chromium, on the standard workload (10,000 keys, 1,000 per
 * commit), beside its peers in the same browser: the engine on the memory backend (what the
 * engine costs without storage) and the bare minimum of IndexedDB (the engine's own objects, in
 * its own batches, put with idb-keyval's `setMany`, no engine), with the browser's default
 * durability and with the strict durability the backend asks for. Also the pure-JS SHA-1 of the
 * same objects, since the browser build cannot use node:crypto.
 *
 * The measuring code runs in the page (bench/pages/indexeddb-page.ts); every measurement
 * gets a fresh browser context: its own renderer, heap and storage.
 */
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { bundleForBrowser, closeAll, launchChromium, modulePage, openPage, serveFiles } from '../../tools/browser.js'
import type { BareRun, BenchPage, EngineRun } from '../pages/indexeddb-page.js'
import type { Report } from '../report.js'
import { KEYS_PER_COMMIT } from '../workload.js'
import { engineBulk } from './core.js'

const SUITE = 'indexeddb'
const TOTAL = 10_000
const ROUNDS = 3
const PAGE = fileURLToPath(new URL('../pages/indexeddb-page.ts', import.meta.url))

declare const benchPage: BenchPage

type Measurement = keyof BenchPage

/** Runs one of the page's measurements in a fresh browser context. */
async function inFreshPage<M extends Measurement>(browser: Browser, url: string, measurement: M, ...args: Parameters<BenchPage[M]>): Promise<Awaited<ReturnType<BenchPage[M]>>> {
  const tab = await openPage(browser, url, 'benchPage')
  try {
    const result = await tab.page.evaluate(
      ([name, values]) => (benchPage[name] as (...a: unknown[]) => Promise<unknown>)(...values),
      [measurement, args as unknown[]] as const,
    )
    return result as Awaited<ReturnType<BenchPage[M]>>
  } catch (error) {
    throw new Error(`${measurement} failed in Chromium: ${(error as Error).message}${tab.errors.length ? `; ${tab.errors.join('; ')}` : ''}`)
  } finally {
    await tab.context.close()
  }
}

function best<T extends { seconds: number }>(runs: T[]): T {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a))
}

export async function run(report: Report): Promise<void> {
  console.log(`\n== indexeddb: standard workload in headless Chromium, ${TOTAL.toLocaleString('en-US')} keys, ${KEYS_PER_COMMIT} per commit`)
  const { code } = await bundleForBrowser(PAGE)
  const server = await serveFiles({ '/': modulePage('/bench.js'), '/bench.js': code })
  let browser: Browser | undefined
  try {
    browser = await launchChromium()
    const url = `${server.url}/`
    // Interleaved rounds, best of each, so that a slow spell of the machine hits every peer alike.
    const runs = { indexeddb: [] as EngineRun[], memory: [] as EngineRun[], bare: [] as BareRun[], strict: [] as BareRun[] }
    for (let round = 0; round < ROUNDS; round++) {
      runs.indexeddb.push(await inFreshPage(browser, url, 'measureEngine', 'indexeddb', TOTAL))
      runs.memory.push(await inFreshPage(browser, url, 'measureEngine', 'memory', TOTAL))
      runs.bare.push(await inFreshPage(browser, url, 'measureBare', 'default', TOTAL))
      runs.strict.push(await inFreshPage(browser, url, 'measureBare', 'strict', TOTAL))
    }
    const hashing = best(await Promise.all([0, 1, 2].map(() => inFreshPage(browser!, url, 'measureSha1', TOTAL))))
    const [idb, memory, bare, strict] = [best(runs.indexeddb), best(runs.memory), best(runs.bare), best(runs.strict)]

    const ours = report.add({ suite: SUITE, name: 'bulk write, irminsule on IndexedDB (Chromium)', value: TOTAL / idb.seconds, unit: 'keys/s', better: 'higher' })
    const memoryRow = report.add({ suite: SUITE, name: 'bulk write, irminsule on memory (Chromium)', value: TOTAL / memory.seconds, unit: 'keys/s', better: 'higher' })
    const note = `${bare.objects.toLocaleString('en-US')} objects, ${(bare.bytes / 1e6).toFixed(1)} MB, ${bare.batches} setMany calls`
    const bareRow = report.add({ suite: SUITE, name: 'bulk write, bare idb-keyval setMany, default durability', value: TOTAL / bare.seconds, unit: 'keys/s', better: 'higher', note })
    const strictRow = report.add({ suite: SUITE, name: 'bulk write, bare idb-keyval setMany, strict durability', value: TOTAL / strict.seconds, unit: 'keys/s', better: 'higher', note })
    report.target(SUITE, 'bulk write on IndexedDB in Chromium', ours, 5_000)
    report.ratio(SUITE, 'IndexedDB engine vs memory engine (Chromium)', ours, memoryRow)
    report.ratio(SUITE, 'IndexedDB engine vs bare setMany, default durability', ours, bareRow)
    report.ratio(SUITE, 'IndexedDB engine vs bare setMany, strict durability', ours, strictRow)

    // Where the engine's time goes: hashing, storage, the rest of the engine.
    const share = (seconds: number) => `${Math.round((seconds / idb.seconds) * 100)}% of the IndexedDB run`
    report.add({ suite: SUITE, name: 'time: whole run on IndexedDB', value: idb.seconds * 1000, unit: 'ms', better: 'lower' })
    report.add({ suite: SUITE, name: 'time: pure-JS SHA-1 of the same objects', value: hashing.seconds * 1000, unit: 'ms', better: 'lower', note: share(hashing.seconds) })
    report.add({ suite: SUITE, name: 'time: the engine on memory (hashing included)', value: memory.seconds * 1000, unit: 'ms', better: 'lower', note: share(memory.seconds) })
    report.add({ suite: SUITE, name: 'time: bare strict setMany of the same objects', value: strict.seconds * 1000, unit: 'ms', better: 'lower', note: share(strict.seconds) })

    const node = (await engineBulk(TOTAL)).result
    report.check(SUITE, 'same final commit: IndexedDB, memory (Chromium), engine in Node', idb.commit === memory.commit && idb.commit === node.commit, idb.commit)
  } finally {
    await closeAll(browser, server)
  }
}
