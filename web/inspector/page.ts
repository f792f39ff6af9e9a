/**
 * The inspector's HTML: a shell that loads the bundled script (built by `npm run build` into
 * dist/web/bundle/inspector.js). The server sends it; everything else is drawn by the script.
 */
import { htmlShell } from '../html-shell.js'

export const INSPECTOR_SCRIPT = '/inspector.js'

export function inspectorPage(built: boolean): string {
  const body = built
    ? `<div id="app"><p class="loading">Loading…</p></div>\n<script type="module" src="${INSPECTOR_SCRIPT}"></script>`
    : '<p>The inspector is not built: run <code>npm run build</code>, then reload. The JSON API under /api/ works regardless.</p>'
  return htmlShell('irminsule inspector', body)
}
