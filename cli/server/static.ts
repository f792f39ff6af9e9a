/**
 * The inspector's files: the HTML shell and the script bundle that `npm run build` writes to
 * dist/web/bundle/. The bundle is looked for beside the compiled CLI (dist/cli/server/ →
 * dist/web/bundle/) and, when the CLI runs from source, in dist/ under the package root.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { INSPECTOR_SCRIPT, inspectorPage } from '../../web/inspector/page.js'

const BUNDLE_CANDIDATES = ['../../web/bundle/inspector.js', '../../dist/web/bundle/inspector.js'].map(relative =>
  fileURLToPath(new URL(relative, import.meta.url)),
)

export interface StaticFile {
  body: string | Uint8Array
  type: string
}

export function loadInspector(): Map<string, StaticFile> {
  const bundle = BUNDLE_CANDIDATES.find(file => existsSync(file))
  const files = new Map<string, StaticFile>([['/', { body: inspectorPage(bundle !== undefined), type: 'text/html; charset=utf-8' }]])
  if (bundle) files.set(INSPECTOR_SCRIPT, { body: readFileSync(bundle), type: 'text/javascript; charset=utf-8' })
  return files
}
