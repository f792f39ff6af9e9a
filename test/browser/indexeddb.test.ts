/**
 * The IndexedDB backend in real headless Chromium: every conformance case (each its own test),
 * then what only a real browser shows: tabs hearing each other's ref moves, another tab deleting
 * the database, structured cloning of views, and origins that may not use IndexedDB at all.
 */
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { conformanceCases } from '../../backends/conformance.js'
import { bundleForBrowser, closeAll, launchChromium, modulePage, openPage, openTab, serveFiles, type StaticServer, type TestPage } from '../../tools/browser.js'
import type { CaseResult, ConformancePage } from './pages/conformance.js'

const ENTRY = fileURLToPath(new URL('./pages/conformance.ts', import.meta.url))
const READY = 'conformancePage'

/** What `page.evaluate` callbacks reach for; they run in the page, so they may not use imports. */
declare const conformancePage: ConformancePage

let browser: Browser | undefined
let server: StaticServer | undefined
const results = new Map<string, CaseResult>()
let pageErrors: string[] = []

beforeAll(async () => {
  const { code } = await bundleForBrowser(ENTRY)
  server = await serveFiles({
    '/': modulePage('/conformance.js'),
    // Readable from the sandboxed page below, whose origin is opaque, so its fetch is cross-origin.
    '/conformance.js': { body: code, headers: { 'access-control-allow-origin': '*' } },
    '/sandboxed.html': { body: modulePage('/conformance.js'), headers: { 'content-security-policy': 'sandbox allow-scripts' } },
  })
  browser = await launchChromium()
  const { page, context, errors } = await openPage(browser, `${server.url}/`, READY)
  try {
    for (const result of await page.evaluate(() => conformancePage.runConformance())) results.set(result.name, result)
  } finally {
    pageErrors = errors
    await context.close()
  }
}, 300_000)

afterAll(() => closeAll(browser, server))

describe('IndexedDB backend conformance in headless Chromium', () => {
  it.each(conformanceCases().map(c => c.name))('%s', name => {
    const result = results.get(name)
    expect(result, `the page did not run this case${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`).toBeDefined()
    if (!result!.ok) throw new Error(result!.error)
  })
})

describe('IndexedDB backend in headless Chromium, across tabs', () => {
  const tabs: TestPage[] = []

  /** Two tabs of one browser context: same origin, same IndexedDB. */
  async function twoTabs(): Promise<[TestPage, TestPage]> {
    const first = await openPage(browser!, `${server!.url}/`, READY)
    const second = await openTab(first.context, `${server!.url}/`, READY)
    tabs.push(first)
    return [first, second]
  }

  afterAll(() => closeAll(...tabs.map(tab => tab.context)))

  it('a ref moved in one tab is reported to watchers in the other; failed swaps are not', async () => {
    const [watching, writing] = await twoTabs()
    await watching.page.evaluate(async () => {
      const backend = await conformancePage.irminsule.openIndexedDbBackend('shared')
      const seen: unknown[] = []
      backend.watchRefs((name, id) => seen.push([name, id ?? null]))
      Object.assign(globalThis, { seen })
    })
    const a = 'a'.repeat(40)
    const b = 'b'.repeat(40)
    const swaps = await writing.page.evaluate(
      async ([a, b]) => {
        const backend = await conformancePage.irminsule.openIndexedDbBackend('shared')
        const results = [
          await backend.casRef('refs/heads/main', undefined, a),
          await backend.casRef('refs/heads/main', b, a), // fails: not reported
          await backend.casRef('refs/heads/main', a, b),
          await backend.casRef('refs/heads/main', b, undefined),
        ]
        await backend.close()
        return results
      },
      [a, b],
    )
    expect(swaps).toEqual([true, false, true, true])
    await watching.page.waitForFunction(() => (globalThis as unknown as { seen: unknown[] }).seen.length >= 3, undefined, { timeout: 10_000 })
    const seen = await watching.page.evaluate(() => (globalThis as unknown as { seen: unknown[] }).seen)
    expect(seen).toEqual([
      ['refs/heads/main', a],
      ['refs/heads/main', b],
      ['refs/heads/main', null],
    ])
  })

  it('deleting the database in another tab closes the backend instead of blocking the deletion', async () => {
    const [holding, deleting] = await twoTabs()
    await holding.page.evaluate(async () => {
      const backend = await conformancePage.irminsule.openIndexedDbBackend('doomed')
      await backend.casRef('refs/heads/main', undefined, 'c'.repeat(40))
      Object.assign(globalThis, { backend })
    })
    const outcome = await deleting.page.evaluate(
      () =>
        new Promise<string>(resolve => {
          const request = indexedDB.deleteDatabase('doomed')
          request.onsuccess = () => resolve('deleted')
          request.onerror = () => resolve(`error: ${request.error}`)
          request.onblocked = () => resolve('blocked')
        }),
    )
    expect(outcome).toBe('deleted')
    const afterwards = await holding.page.evaluate(async () => {
      const { backend } = globalThis as unknown as { backend: { getRef(name: string): Promise<unknown> } }
      try {
        return `read ${String(await backend.getRef('refs/heads/main'))}`
      } catch (error) {
        return (error as { code?: string }).code
      }
    })
    expect(afterwards).toBe('ECLOSED')
  })
})

describe('IndexedDB backend in headless Chromium, one tab', () => {
  let tab: TestPage | undefined
  afterAll(() => closeAll(tab?.context))

  it('an object handed over as a view into a larger buffer is stored without the rest of it', async () => {
    tab = await openPage(browser!, `${server!.url}/`, READY)
    const stored = await tab.page.evaluate(async () => {
      const { openIndexedDbBackend } = conformancePage.irminsule
      const { blobObject } = conformancePage.conformance
      const [id, framed] = blobObject('a small object in a large arena')
      const arena = new Uint8Array(4 * 1024 * 1024)
      arena.set(framed, 1000)
      const backend = await openIndexedDbBackend('views')
      await backend.putObjects([[id, arena.subarray(1000, 1000 + framed.length)]])
      await backend.close()
      const reopened = await openIndexedDbBackend('views')
      const [bytes] = await reopened.getObjects([id])
      await reopened.close()
      return { length: framed.length, readLength: bytes!.length, bufferLength: bytes!.buffer.byteLength, same: bytes!.every((b, i) => b === framed[i]) }
    })
    expect(stored.same).toBe(true)
    expect(stored.readLength).toBe(stored.length)
    expect(stored.bufferLength, 'bytes stored beside the object').toBe(stored.length)
  })

  it('a page whose origin may not use IndexedDB (sandboxed) gets IndexedDbUnavailableError', async () => {
    const sandboxed = await openPage(browser!, `${server!.url}/sandboxed.html`, READY)
    try {
      const refused = await sandboxed.page.evaluate(async () => {
        const { IndexedDbUnavailableError, openIndexedDbBackend } = conformancePage.irminsule
        try {
          await openIndexedDbBackend('forbidden')
          return { opened: true }
        } catch (error) {
          return { typed: error instanceof IndexedDbUnavailableError, code: (error as { code?: string }).code, message: (error as Error).message }
        }
      })
      expect(refused).toMatchObject({ typed: true, code: 'ENOINDEXEDDB' })
      expect((refused as { message: string }).message).toMatch(/SecurityError/)
    } finally {
      await sandboxed.context.close()
    }
  })
})
