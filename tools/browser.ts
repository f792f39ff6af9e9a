/**
 * Real headless Chromium for tests and benchmarks: launch the Chromium `findChromium` finds (the
 * system's, else the one an npm package ships; nothing downloads a browser) through
 * playwright-core, bundle a page entry with esbuild, serve pages
 * from a directory or from files held in memory on a localhost port, and close it all again.
 *
 *   const browser = await launchChromium()
 *   const server = await serveFiles({ '/': modulePage('/app.js'), '/app.js': (await bundleForBrowser(entry)).code })
 *   const page = await openPage(browser, `${server.url}/`)
 *   …
 *   await closeAll(browser, server) // in afterAll: also after failures
 */
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve as resolvePath, sep } from 'node:path'
import { build, type BuildOptions, type Metafile } from 'esbuild'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { findChromium } from './find-chromium.js'

/** Headless in a container: no sandbox, no GPU, small /dev/shm; and no calls home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: await findChromium(), args: CHROMIUM_ARGS })
}

export interface Bundle {
  code: string
  metafile: Metafile
}

/** Bundles `entry` (and everything it imports) into one ES module for browsers, in memory. */
export async function bundleForBrowser(entry: string, options: BuildOptions = {}): Promise<Bundle> {
  const result = await build({
    entryPoints: [entry],
    platform: 'browser',
    format: 'esm',
    bundle: true,
    metafile: true,
    write: false,
    outfile: 'bundle.js',
    target: 'es2022',
    logLevel: 'silent',
    ...options,
  })
  return { code: result.outputFiles![0].text, metafile: result.metafile! }
}

/** An HTML page that loads one module script. */
export function modulePage(script: string, title = 'irminsule test page'): string {
  return `<!doctype html>\n<meta charset="utf-8">\n<title>${title}</title>\n<script type="module" src="${script}"></script>\n`
}

export interface ServedFile {
  body: string | Uint8Array
  /** Content type; guessed from the path's extension when absent. */
  type?: string
  headers?: Record<string, string>
}

export interface StaticServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
}

function typeOf(path: string): string {
  return TYPES[extname(path)] ?? (path.endsWith('/') ? TYPES['.html'] : 'application/octet-stream')
}

/** Serves files held in memory, keyed by URL path (`/`, `/app.js`); anything else is a 404. */
export function serveFiles(files: Record<string, string | Uint8Array | ServedFile>): Promise<StaticServer> {
  return serve(async path => {
    const file = files[path]
    if (file === undefined) return undefined
    return typeof file === 'string' || file instanceof Uint8Array ? { body: file } : file
  })
}

/** Serves a directory (`/` maps to `index.html`); paths that climb out of it are a 404. */
export function serveDirectory(directory: string): Promise<StaticServer> {
  const root = resolvePath(directory)
  return serve(async path => {
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path))
    if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined
    try {
      return { body: await readFile(file), type: typeOf(file) }
    } catch {
      return undefined
    }
  })
}

async function serve(lookup: (path: string) => Promise<ServedFile | undefined>): Promise<StaticServer> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
    lookup(path).then(
      file => {
        if (!file) return response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`)
        response.writeHead(200, { 'content-type': file.type ?? typeOf(path), 'cache-control': 'no-store', ...file.headers }).end(file.body)
      },
      error => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface TestPage {
  page: Page
  context: BrowserContext
  /** Uncaught errors and console errors the page reported so far, for failure messages. */
  errors: string[]
}

/** Opens `url` in a new browser context: its own storage, so IndexedDB starts empty. */
export async function openPage(browser: Browser, url: string, ready?: string): Promise<TestPage> {
  return openTab(await browser.newContext(), url, ready)
}

/**
 * Opens `url` in another tab of `context` (same origin, same storage) and waits until `ready`,
 * a global the page's script sets, exists (when given).
 */
export async function openTab(context: BrowserContext, url: string, ready?: string): Promise<TestPage> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', error => errors.push(`page error: ${error.message}`))
  page.on('console', message => {
    if (message.type() === 'error') errors.push(`console error: ${message.text()}`)
  })
  await page.goto(url)
  if (ready) {
    await page.waitForFunction(name => name in globalThis, ready, { timeout: 30_000 }).catch(error => {
      throw new Error(`${url} never defined ${ready}: ${errors.join('; ') || (error as Error).message}`)
    })
  }
  return { page, context, errors }
}

/** Closes browsers and servers, all of them even when some fail; for `afterAll`. */
export async function closeAll(...things: Array<{ close(): Promise<void> } | undefined>): Promise<void> {
  const results = await Promise.allSettled(things.map(thing => thing?.close()))
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) throw failed.reason
}
