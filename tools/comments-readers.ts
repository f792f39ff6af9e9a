/**
 * Drives the comments book (web/comments/) in Chromium as readers do, for its test and its
 * benchmark: a reader is a browser context of its own (its own IndexedDB) on one chapter; they
 * comment through the page's own form, go offline and online, and are asked whether their page
 * shows everything synced.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'

export interface Reader {
  readonly context: BrowserContext
  readonly page: Page
  /** Uncaught errors of the page. */
  readonly errors: string[]
}

const NAME_KEY = 'irmin-comments-reader'

/** A new reader on `chapter` of the book served at `url` (irmin serve's root), once the service worker holds the page. */
export async function openReader(browser: Browser, url: string, chapter = 'seed'): Promise<Reader> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', error => errors.push(error.message))
  page.on('dialog', dialog => void dialog.dismiss())
  await page.goto(`${url}comments/?chapter=${chapter}`)
  await page.waitForSelector('body[data-ready]')
  // The service worker must hold the page before the reader can reload it offline.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
  return { context, page, errors }
}

export async function reload(reader: Reader): Promise<void> {
  await reader.page.reload()
  await reader.page.waitForSelector('body[data-ready]')
}

/** Names the reader (as the page's form would) and reloads so the page knows it. */
export async function nameReader(reader: Reader, name: string): Promise<void> {
  await reader.page.evaluate(([key, n]) => localStorage.setItem(key, n), [NAME_KEY, name])
  await reload(reader)
}

/** Adds `count` comments through the page's forms, round the chapter's paragraphs, each once the previous one shows. */
export async function addComments(reader: Reader, who: string, count: number): Promise<void> {
  await reader.page.evaluate(
    async ([who, count]) => {
      const sections = [...document.querySelectorAll('section[data-paragraph]')]
      for (let i = 0; i < count; i++) {
        const form = sections[i % sections.length].querySelector<HTMLFormElement>('form.add-form')!
        form.querySelector('textarea')!.value = `${who} comment ${i}`
        const shown = document.querySelectorAll('li[data-comment]').length
        form.requestSubmit()
        while (document.querySelectorAll('li[data-comment]').length === shown) await new Promise(r => setTimeout(r, 5))
      }
    },
    [who, count] as const,
  )
}

/** Whether the page shows `comments` comments and no unsynced change. */
export async function showsSynced(reader: Reader, comments: number): Promise<boolean> {
  return reader.page.evaluate(
    n => document.querySelectorAll('li[data-comment]').length === n && document.querySelector('[data-testid=badge]')?.getAttribute('data-unsynced') === '0',
    comments,
  )
}
