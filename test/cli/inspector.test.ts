/**
 * The web inspector of `irmin serve` (LevelDB store), walked in real headless Chromium (Debian's
 * /usr/bin/chromium via playwright-core): the branches and the commit graph; a commit's details
 * and its changes as a line diff with the changed word marked; the state in the URL (a reload on
 * a deep URL lands in the same place, back and forward move through it); files with line numbers,
 * images as images; the path search; two commits compared; a branch move, pushed by another
 * writer, shown without a reload; the layout at 1400 and 800 px. Screenshots go to test-results/.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { clone, push } from '../../sync/index.js'
import { createStore } from '../../cli/store/open.js'
import type { ApiHistory } from '../../web/inspector/api-types.js'
import { launchChromium, openPage, type TestPage } from '../../tools/browser.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, PACKAGE_ROOT, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'
import { writeFixture } from './inspector-fixture.js'

const dir = tempDir('irmin-cli-inspector-')
const root = join(dir, 'data')
const SHOTS = join(PACKAGE_ROOT, 'test-results')
let server: RunningIrmin
let browser: Browser
let tab: TestPage
let page: Page
let url: string
let history: ApiHistory

beforeAll(async () => {
  await ensureBuilt()
  const store = await createStore(root, 'level')
  await writeFixture(store.repo)
  await store.close()
  server = startIrmin(['--root', root, '--json', 'serve', '--port', '0'])
  url = JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url
  history = (await (await fetch(new URL('/api/history', url))).json()) as ApiHistory
  browser = await launchChromium()
  tab = await openPage(browser, url)
  page = tab.page
  await page.setViewportSize({ width: 1400, height: 860 })
  await page.waitForSelector('body[data-ready]')
  mkdirSync(SHOTS, { recursive: true })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  removeDir(dir)
})

const texts = (selector: string) => page.locator(selector).allInnerTexts()
const idOf = (subject: string) => history.commits.find(c => c.message.startsWith(subject))!.id
const query = () => Object.fromEntries(new URL(page.url()).searchParams)

describe('the inspector', () => {
  it('lists the branches and draws one circle per commit', async () => {
    expect(await texts('#branches li .name')).toEqual(['all branches', 'main'])
    const ids = await page.locator('#history svg.graph circle.commit').evaluateAll(nodes => nodes.map(node => node.getAttribute('data-id')))
    expect(ids).toEqual(history.commits.map(c => c.id))
  })

  it("opens main's head with its details and its change as a line diff, the changed word marked", async () => {
    const head = idOf('Change a word')
    await expect.poll(() => page.locator('#commit .commit-details').getAttribute('data-id')).toBe(head)
    expect(await texts('#commit .subject')).toEqual([expect.stringMatching(/^Change a word/)])
    expect(await page.locator('#commit pre.message').innerText()).toBe('The river becomes a stream: a one-word change in a long text.')
    expect(await texts('#commit dt')).toEqual(['commit', 'author', 'committer', 'date', 'parent'])
    expect(await texts('#commit a.commit-link')).toEqual([idOf('Add the poem').slice(0, 7)])
    const change = page.locator('#changes section.change[data-path="poem.txt"]')
    expect(await change.locator('.stats').innerText()).toBe('+1 −1')
    // As git prints it, with the line above the hunk as its heading.
    expect(await change.locator('tr.hunk-header').innerText()).toBe('@@ -12,7 +12,7 @@ line 11 of the poem, where the river runs')
    const rows = await change.locator('tr.line').evaluateAll(trs =>
      trs.map(tr => [tr.className, ...[...tr.querySelectorAll('td.number')].map(td => td.getAttribute('data-line') ?? ''), tr.querySelector('td.op')!.textContent, tr.querySelector('td.text')!.textContent]),
    )
    expect(rows).toHaveLength(8) // 3 of context, the removed and the added line, 3 of context
    expect(rows[3]).toEqual(['line del', '15', '', '-', 'line 15 of the poem, where the river runs'])
    expect(rows[4]).toEqual(['line add', '', '15', '+', 'line 15 of the poem, where the stream runs'])
    expect(rows[0]).toEqual(['line ctx', '12', '12', ' ', 'line 12 of the poem, where the river runs'])
    expect(await change.locator('tr.line mark').allInnerTexts()).toEqual(['river', 'stream'])
    await page.screenshot({ path: join(SHOTS, 'inspector-1400.png') })
  })

  it('follows a parent link, shows the root commit adding every file, and keeps it in the URL', async () => {
    const first = idOf('Add the poem')
    await page.click('#commit a.commit-link')
    await expect.poll(() => query().commit).toBe(first)
    await expect.poll(() => page.locator('#changes section.change').evaluateAll(s => s.map(e => [e.className, e.getAttribute('data-path')]))).toEqual([
      ['change added', 'docs/deep/nested/notes.md'],
      ['change added', 'images/logo.svg'],
      ['change added', 'images/pixel.png'],
      ['change added', 'long-line.txt'],
      ['change added', 'poem.txt'],
    ])
    expect(await texts('#commit dd')).toContain('none (a root commit)')
    // Images changed show as images (two added here), text as added lines.
    expect(await page.locator('#changes section.change img').count()).toBe(2)
    expect(await page.locator('#changes section.change[data-path="poem.txt"] tr.line.add').count()).toBe(30)
  })

  it('walks the files into a deep directory; a reload there lands in the same place; back and forward move through it', async () => {
    await page.click('nav.tabs a[data-tab="files"]')
    for (const name of ['docs', 'deep', 'nested']) await page.click(`#tree .entry.dir[data-name="${name}"] a`)
    await page.click('#tree .entry.file[data-name="notes.md"] a')
    await expect.poll(() => query()).toEqual({ commit: idOf('Add the poem'), tab: 'files', path: 'docs/deep/nested/notes.md' })
    const deep = page.url()
    await page.reload()
    await page.waitForSelector('body[data-ready]')
    expect(page.url()).toBe(deep)
    await expect.poll(() => texts('#tree .breadcrumbs a')).toEqual(['root', 'docs', 'deep', 'nested'])
    expect(await texts('#value h3')).toEqual(['docs/deep/nested/notes.md (text, 34 bytes)'])
    const lines = await page.locator('#value table.lines tr').evaluateAll(trs => trs.map(tr => [tr.querySelector('.number')!.getAttribute('data-line'), tr.querySelector('.line')!.textContent]))
    expect(lines).toEqual([['1', '# Notes'], ['2', ''], ['3', 'First note.'], ['4', 'Second note.']])
    expect(await page.locator('#commit .commit-details').getAttribute('data-id')).toBe(idOf('Add the poem'))
    await page.goBack()
    await expect.poll(() => query().path).toBe('docs/deep/nested/')
    await expect.poll(() => page.locator('#value').count()).toBe(0)
    await page.goBack()
    await expect.poll(() => texts('#tree .breadcrumbs a')).toEqual(['root', 'docs', 'deep'])
    await page.goForward()
    await page.goForward()
    await expect.poll(() => texts('#value h3')).toEqual(['docs/deep/nested/notes.md (text, 34 bytes)'])
  })

  it('shows images as images: PNG and SVG (drawn, its script never run)', async () => {
    for (const name of ['pixel.png', 'logo.svg']) {
      await page.goto(`${url}?${new URLSearchParams({ commit: idOf('Add the poem'), tab: 'files', path: `images/${name}` })}`)
      await page.waitForSelector('#value img')
      await expect.poll(() => page.locator('#value img').evaluate(img => (img as HTMLImageElement).naturalWidth)).toBe(name === 'logo.svg' ? 64 : 1)
      expect(await page.locator('#value svg, #value pre').count()).toBe(0)
    }
    expect(await page.evaluate(() => (globalThis as { svgRan?: boolean }).svgRan)).toBeUndefined()
    // Opened as a page itself, the raw SVG runs nothing either (a sandboxing CSP).
    const raw = await fetch(new URL(`/api/value/${idOf('Add the poem')}/images/logo.svg?raw`, url))
    expect(raw.headers.get('content-type')).toBe('image/svg+xml')
    expect(raw.headers.get('content-security-policy')).toContain('sandbox')
  })

  it('wraps a long line instead of widening the column', async () => {
    await page.goto(`${url}?${new URLSearchParams({ tab: 'files', path: 'long-line.txt' })}`)
    await page.waitForSelector('#value table.lines')
    const [column, value] = await Promise.all(['.detail-column', '#value .value'].map(s => page.locator(s).boundingBox()))
    expect(value!.x + value!.width).toBeLessThanOrEqual(column!.x + column!.width)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400)
  })

  it('finds paths of the open commit, and opens one found', async () => {
    // A commit named by its branch or a prefix, as the API takes it, is the one marked in the history.
    for (const name of ['main', idOf('Change a word').slice(0, 8)]) {
      await page.goto(`${url}?${new URLSearchParams({ commit: name, tab: 'files' })}`)
      await page.waitForSelector('body[data-ready]')
      await expect.poll(() => page.locator('#history li.selected').getAttribute('data-id')).toBe(idOf('Change a word'))
    }
    await page.fill('input.path-search', 'NOTE')
    await expect.poll(() => texts('#search li')).toEqual(['docs/deep/nested/notes.md'])
    expect(query().q).toBe('NOTE')
    await page.fill('input.path-search', 'images')
    await expect.poll(() => texts('#search li')).toEqual(['images/', 'images/logo.svg', 'images/pixel.png'])
    await page.click('#search li[data-path="images/logo.svg"] a')
    await expect.poll(() => query()).toEqual({ commit: idOf('Change a word').slice(0, 8), tab: 'files', path: 'images/logo.svg' })
    await page.waitForSelector('#value img')
  })

  it('compares two picked commits, the pair in the URL', async () => {
    const [older, newer] = [idOf('Add the poem'), idOf('Change a word')]
    await page.check(`#history li[data-id="${newer}"] input.compare`)
    await page.check(`#history li[data-id="${older}"] input.compare`)
    await expect.poll(() => query().diff).toBe(`${older}..${newer}`)
    await expect.poll(() => page.locator('#diff section.change').evaluateAll(s => s.map(e => e.getAttribute('data-path')))).toEqual(['poem.txt'])
    await page.reload()
    await page.waitForSelector('#diff section.change')
    await page.click('#diff a.clear')
    await expect.poll(() => page.locator('#diff').count()).toBe(0)
    expect(query().diff).toBeUndefined()
  })

  it('says what is missing on a URL naming nothing there, and goes on working', async () => {
    const before = tab.errors.length
    await page.goto(`${url}?commit=${'0'.repeat(40)}`)
    await expect.poll(() => texts('#detail .error')).toEqual([`not found: commit ${'0'.repeat(40)}`])
    await page.goto(`${url}?${new URLSearchParams({ tab: 'files', path: 'nothing/here.txt' })}`)
    await expect.poll(() => texts('#detail .error')).toEqual(['not found: nothing', 'not found: nothing/here.txt'])
    await page.click('#branches li[data-branch="main"] a')
    await expect.poll(() => query()).toEqual({ branch: 'main', tab: 'files' })
    await expect.poll(() => page.locator('#tree .entry').count()).toBe(4)
    expect(await page.locator('#detail .error').count()).toBe(0)
    // The browser logs each 404 the page was answered; nothing else went wrong.
    const logged = tab.errors.splice(before)
    expect(logged.length).toBeGreaterThan(0)
    for (const error of logged) expect(error).toMatch(/Failed to load resource: the server responded with a status of 404/)
  })

  it('shows a branch move pushed by another writer within two seconds, without a reload', async () => {
    await page.goto(url)
    await page.waitForSelector('body[data-ready]')
    const writer = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    await clone(writer, url)
    const moved = await writer.branch('main').set(['poem.txt'], new TextEncoder().encode('a new poem\n'), { message: 'Rewrite the poem', author: 'Grace <grace@example.org>' })
    const started = Date.now()
    await push(writer, url, 'main')
    await page.waitForSelector(`#history li[data-id="${moved!.id}"]`, { timeout: 2000 })
    await expect.poll(() => page.locator('#commit .commit-details').getAttribute('data-id'), { timeout: 2000 }).toBe(moved!.id)
    const seconds = (Date.now() - started) / 1000
    console.log(`main moved to ${moved!.id.slice(0, 7)} by a push: shown after ${seconds.toFixed(2)} s`)
    expect(seconds).toBeLessThan(2)
    expect(await texts('#changes section.change')).toEqual([expect.stringContaining('poem.txt')])
    expect(await texts('#branches li[data-branch="main"] code')).toEqual([moved!.id.slice(0, 7)])
    await writer.close()
  })

  it('lays out at 800 px: history and commit side by side, nothing wider than the window', async () => {
    await page.setViewportSize({ width: 800, height: 860 })
    await page.goto(`${url}?${new URLSearchParams({ commit: idOf('Change a word') })}`)
    await page.waitForSelector('#changes section.change')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800)
    const [history, detail] = await Promise.all(['.history-column', '.detail-column'].map(s => page.locator(s).boundingBox()))
    expect(history!.width).toBeGreaterThan(250)
    expect(detail!.x).toBeGreaterThanOrEqual(history!.x + history!.width - 1)
    expect(detail!.x + detail!.width).toBeLessThanOrEqual(800)
    // The page itself never scrolls: each column does, on its own.
    await page.goto(`${url}?${new URLSearchParams({ commit: idOf('Add the poem') })}`)
    await page.waitForSelector('#changes section.change')
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(860)
    const column = page.locator('.detail-column')
    expect(await column.evaluate(c => c.scrollHeight > c.clientHeight)).toBe(true)
    await column.evaluate(c => c.scrollTo(0, c.scrollHeight))
    expect(await column.evaluate(c => c.scrollTop)).toBeGreaterThan(0)
    expect(await page.locator('.history-column').evaluate(c => c.scrollTop)).toBe(0)
    await page.screenshot({ path: join(SHOTS, 'inspector-800.png') })
    expect(tab.errors).toEqual([])
  })
})
