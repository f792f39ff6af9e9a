/**
 * The pages `irmin serve` sends: the inspector at `/` and the offline comments book at
 * `/comments/`, each an HTML shell plus the script bundle that `npm run build` writes to
 * dist/web/bundle/. Bundles are looked for beside the compiled CLI (dist/cli/server/ →
 * dist/web/bundle/) and, when the CLI runs from source, in dist/ under the package root.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { COMMENTS_PATH, COMMENTS_SCRIPT, COMMENTS_WORKER, commentsPage } from '../../web/comments/page.js'
import { INSPECTOR_SCRIPT, inspectorPage } from '../../web/inspector/page.js'

export interface StaticFile {
  body: string | Uint8Array
  type: string
  /** Extra reply headers (a service worker's scope). */
  headers?: Record<string, string>
}

const HTML = 'text/html; charset=utf-8'
const SCRIPT = 'text/javascript; charset=utf-8'

function bundle(name: string): Uint8Array | undefined {
  const file = [`../../web/bundle/${name}`, `../../dist/web/bundle/${name}`]
    .map(relative => fileURLToPath(new URL(relative, import.meta.url)))
    .find(candidate => existsSync(candidate))
  return file === undefined ? undefined : readFileSync(file)
}

export function loadPages(): Map<string, StaticFile> {
  const inspector = bundle('inspector.js')
  const comments = bundle('comments.js')
  const worker = bundle('comments-sw.js')
  const files = new Map<string, StaticFile>([
    ['/', { body: inspectorPage(inspector !== undefined), type: HTML }],
    [COMMENTS_PATH, { body: commentsPage(comments !== undefined), type: HTML }],
  ])
  if (inspector) files.set(INSPECTOR_SCRIPT, { body: inspector, type: SCRIPT })
  if (comments) files.set(COMMENTS_SCRIPT, { body: comments, type: SCRIPT })
  if (worker) files.set(COMMENTS_WORKER, { body: worker, type: SCRIPT, headers: { 'service-worker-allowed': COMMENTS_PATH } })
  return files
}
