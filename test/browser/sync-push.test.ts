/**
 * The sync client in real headless Chromium: a page clones from `irmin serve` (in-process), writes,
 * pushes with the write token (the browser path sends the body as one Blob), pulls what another
 * writer pushed, and a push without the token is refused with the typed error. The page and the
 * server share one origin: the page's /sync/v1/ requests are routed to the server.
 */
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../../cli/server/http.js'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { bundleForBrowser, closeAll, launchChromium, modulePage, openPage, serveFiles, type StaticServer, type TestPage } from '../../tools/browser.js'
import type { SyncPage } from './pages/sync.js'

const ENTRY = fileURLToPath(new URL('./pages/sync.ts', import.meta.url))

declare const syncPage: SyncPage

let browser: Browser | undefined
let files: StaticServer | undefined
let irmin: RunningServer | undefined
let tab: TestPage | undefined
let served: Repo<Uint8Array>
const bytes = (text: string) => new TextEncoder().encode(text)

beforeAll(async () => {
  served = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
  await served.branch('main').set(['greeting'], bytes('hello'))
  irmin = await startServer(served, { backend: 'memory', name: null }, { host: '127.0.0.1', port: 0, tokens: { write: 'w' }, onError: () => {} })
  const { code } = await bundleForBrowser(ENTRY)
  files = await serveFiles({ '/': modulePage('/sync.js'), '/sync.js': code })
  browser = await launchChromium()
  tab = await openPage(browser, `${files.url}/`, 'syncPage')
  // Same origin for the page: its sync requests go to irmin serve (from Node, with its own Host).
  await tab.context.route(
    url => url.pathname.startsWith('/sync/v1/'),
    async route => {
      const target = new URL(route.request().url())
      const response = await route.fetch({ url: new URL(target.pathname + target.search, irmin!.url).href })
      await route.fulfill({ response })
    },
  )
}, 300_000)

afterAll(() => closeAll(browser, files, irmin))

describe('sync client in headless Chromium', () => {
  it('clones, pushes with the token (refused without), and pulls', { timeout: 60_000 }, async () => {
    const result = await tab!.page.evaluate(async origin => {
      const { Repo, Contents, openMemoryBackend } = syncPage.irminsule
      const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
      ;(globalThis as unknown as { repo: typeof repo }).repo = repo
      await repo.clone(origin)
      const cloned = await repo.branch('main').get(['greeting'])
      await repo.branch('main').set(['from-browser'], 'hi')
      const refused = await repo.push('origin', 'main').then(
        () => 'pushed',
        (error: { code?: string; name?: string }) => `${error.name} ${error.code}`,
      )
      const seen: number[] = []
      const pushed = await repo.push('origin', 'main', { token: 'w', onProgress: p => seen.push(p.objects) })
      return { cloned, refused, pushed, seen }
    }, files!.url)
    expect(result.cloned).toBe('hello')
    expect(result.refused).toBe('UnauthorizedError EUNAUTHORIZED')
    expect(result.pushed).toMatchObject({ ref: 'refs/heads/main', merged: false, objects: 3 })
    expect(result.seen.at(-1)).toBe(3)
    expect(new TextDecoder().decode(await served.branch('main').get(['from-browser']))).toBe('hi')

    await served.branch('main').set(['from-node'], bytes('there'))
    const pulled = await tab!.page.evaluate(async () => {
      const { repo } = globalThis as unknown as { repo: Repo<string> }
      const outcome = await repo.pull('origin', 'main')
      return [outcome.kind, await repo.branch('main').get(['from-node'])]
    })
    expect(pulled).toEqual(['fast-forward', 'there'])
    expect((await served.fsck()).damage).toEqual([])
  })
})
