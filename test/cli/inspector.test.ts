/**
 * The web inspector of `irmin serve`, in real headless Chromium (Debian's /usr/bin/chromium via
 * playwright-core): it loads, lists the branches, draws one circle per commit of the history,
 * opens a commit's tree from the graph, walks into a directory and back by the breadcrumbs,
 * shows a value, and diffs two picked commits. Leaves a screenshot in test-results/inspector.png.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiHistory } from '../../web/inspector/api-types.js'
import { launchChromium, openPage, type TestPage } from '../../tools/browser.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, PACKAGE_ROOT, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'

const dir = tempDir('irmin-cli-inspector-')
let server: RunningIrmin
let browser: Browser
let tab: TestPage
let page: Page
let url: string
let history: ApiHistory

beforeAll(async () => {
  await ensureBuilt()
  server = startIrmin(['--root', join(dir, 'data'), '--json', 'serve', '--port', '0', '--example'])
  url = JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url
  history = (await (await fetch(new URL('/api/history', url))).json()) as ApiHistory
  browser = await launchChromium()
  tab = await openPage(browser, url)
  page = tab.page
  await page.setViewportSize({ width: 1400, height: 820 })
  await page.waitForSelector('body[data-ready]')
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  removeDir(dir)
})

const texts = (selector: string) => page.locator(selector).allInnerTexts()
const shortId = (message: string) => history.commits.find(c => c.message === message)!.id

describe('the inspector', () => {
  it('lists the branches with their heads', async () => {
    const items = await texts('#branches li .name')
    expect(items).toEqual(['all branches', 'feature', 'main'])
    const heads = await texts('#branches li code')
    expect(heads).toHaveLength(2)
    for (const head of heads) expect(history.commits.map(c => c.id.slice(0, 7))).toContain(head)
  })

  it('draws the commit graph: one circle per commit, in history order', async () => {
    const circles = page.locator('#history svg.graph circle.commit')
    expect(await circles.count()).toBe(history.commits.length)
    const ids = await circles.evaluateAll(nodes => nodes.map(node => node.getAttribute('data-id')))
    expect(ids).toEqual(history.commits.map(c => c.id))
    expect(await page.locator('#history svg.graph path.edge').count()).toBeGreaterThanOrEqual(history.commits.length - 1)
    expect(await texts('#history .rows .subject')).toEqual(history.commits.map(c => c.message))
  })

  it('opens the head of main at first, and another commit by clicking its circle', async () => {
    await expect.poll(() => texts('#tree h2')).toEqual([`TREE OF ${shortId('Merge feature').slice(0, 7)}`])
    const guide = shortId('Write a guide')
    await page.click(`#history circle[data-id="${guide}"]`)
    await expect.poll(() => texts('#tree h2')).toEqual([`TREE OF ${guide.slice(0, 7)}`])
    expect(await texts('#tree .entry')).toEqual([expect.stringMatching(/^assets\//), expect.stringMatching(/^config\//), expect.stringMatching(/^docs\//), expect.stringMatching(/^README\.md/)])
  })

  it('walks into a directory, opens a file, and goes back by the breadcrumbs', async () => {
    await page.click('#tree .entry.dir[data-name="config"] button')
    await expect.poll(() => texts('#tree .breadcrumbs a')).toEqual(['root', 'config'])
    expect(await page.locator('#tree .entry').evaluateAll(nodes => nodes.map(n => n.getAttribute('data-name')))).toEqual(['app.json', 'users.json'])
    await page.click('#tree .entry.file[data-name="app.json"] button')
    await expect.poll(() => texts('#value h3')).toEqual(['config/app.json (text, 54 bytes)'])
    expect(JSON.parse(await page.locator('#value pre').innerText())).toEqual({ name: 'demo', port: 8080, debug: true })
    await page.click('#tree .breadcrumbs a[data-path=""]')
    await expect.poll(() => texts('#tree .breadcrumbs a')).toEqual(['root'])
    await page.click('#tree .entry.dir[data-name="assets"] button')
    await page.click('#tree .entry.file[data-name="pixel.png"] button')
    await expect.poll(() => texts('#value h3')).toEqual(['assets/pixel.png (binary, 70 bytes)'])
    expect(await page.locator('#value pre').innerText()).toMatch(/^00000000 {2}89 50 4e 47 0d 0a 1a 0a/)
  })

  it('diffs two picked commits, with the values before and after', async () => {
    await page.check(`#history li[data-id="${shortId('Drop the logo')}"] input.compare`)
    await page.check(`#history li[data-id="${shortId('Write a guide')}"] input.compare`)
    await page.waitForSelector('#diff table.diff')
    expect(await texts('#diff h2')).toEqual([`DIFF ${shortId('Write a guide').slice(0, 7)} → ${shortId('Drop the logo').slice(0, 7)}`])
    const rows = await page.locator('#diff tr.change').evaluateAll(nodes => nodes.map(n => [n.className, n.getAttribute('data-path')]))
    expect(rows).toEqual([
      ['change removed', 'assets/pixel.png'],
      ['change updated', 'config/app.json'],
      ['change updated', 'config/users.json'],
      ['change removed', 'docs/guide.md'],
    ])
    const app = page.locator('#diff tr.change[data-path="config/app.json"]')
    expect(await app.locator('td.before pre').innerText()).toContain('"debug": true')
    expect(await app.locator('td.after pre').innerText()).toContain('"debug": false')
    mkdirSync(join(PACKAGE_ROOT, 'test-results'), { recursive: true })
    await page.screenshot({ path: join(PACKAGE_ROOT, 'test-results/inspector.png'), fullPage: true })
  })

  it('shows one branch when chosen, with its head open', async () => {
    await page.click('#branches li[data-branch="feature"] button')
    await expect.poll(() => page.locator('#history svg.graph circle.commit').count()).toBe(5)
    await expect.poll(() => texts('#tree h2')).toEqual([`TREE OF ${shortId('Write a guide').slice(0, 7)}`])
    expect(tab.errors).toEqual([])
  })
})
