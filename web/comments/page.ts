/**
 * The comments page's HTML shell, served by `irmin serve` at `/comments/`: the book's look comes
 * from here (style.ts), the text and the threads from the bundled script, which also registers
 * the service worker that lets the page reload offline.
 */
import { htmlShell } from '../html-shell.js'
import { COMMENTS_STYLE } from './style.js'

export const COMMENTS_PATH = '/comments/'
export const COMMENTS_SCRIPT = '/comments/app.js'
export const COMMENTS_WORKER = '/comments/sw.js'

export function commentsPage(built: boolean): string {
  const body = built
    ? `<div id="book"><p class="loading">Opening the book…</p></div>\n<script type="module" src="${COMMENTS_SCRIPT}"></script>`
    : '<p>The comments page is not built: run <code>npm run build</code>, then reload.</p>'
  return htmlShell('The Ledger Tree — with readers’ comments', body, `<style>${COMMENTS_STYLE}</style>`)
}
