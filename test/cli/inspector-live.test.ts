/**
 * Live branch moves in the inspector on the other backends (LevelDB is walked in
 * inspector.test.ts): a git store moved by the `git` command itself, which the server cannot
 * hear and finds by re-reading the refs; a PostgreSQL store written by another `irmin` process
 * (heard through LISTEN/NOTIFY); and a memory store behind a read token moved by a push. Each move shows in
 * real headless Chromium within two seconds, without a reload.
 */
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore } from '../../cli/store/open.js'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { clone, push } from '../../sync/index.js'
import { launchChromium, openPage, type TestPage } from '../../tools/browser.js'
import { git, removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'
import { freshDatabase, testCluster } from '../helpers/postgres.js'
import { writeFixture } from './inspector-fixture.js'

const dir = tempDir('irmin-inspector-live-')
let browser: Browser
const servers: RunningIrmin[] = []

beforeAll(async () => {
  await Promise.all([ensureBuilt(), testCluster()])
  browser = await launchChromium()
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await Promise.all(servers.map(server => server.stop()))
  removeDir(dir)
})

async function serve(globals: string[], options: string[] = []): Promise<string> {
  const server = startIrmin([...globals, '--json', 'serve', '--port', '0', ...options])
  servers.push(server)
  return JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url
}

async function open(url: string): Promise<TestPage> {
  const tab = await openPage(browser, url)
  await tab.page.waitForSelector('body[data-ready]')
  return tab
}

/** Waits for the page to show `id` as the head of `branch`; the seconds it took since `since`. */
async function shown(tab: TestPage, branch: string, id: string, since: number): Promise<number> {
  await tab.page.waitForSelector(`#branches li[data-branch="${branch}"]`, { timeout: 2000 })
  await expect.poll(() => tab.page.locator(`#branches li[data-branch="${branch}"] code`).innerText(), { timeout: 2000 }).toBe(id.slice(0, 7))
  const seconds = (Date.now() - since) / 1000
  console.log(`${branch} moved to ${id.slice(0, 7)}: shown after ${seconds.toFixed(2)} s`)
  return seconds
}

describe('live branch moves', () => {
  it('git store, moved by the git command: shown within two seconds, the open head followed', async () => {
    const root = join(dir, 'git-store')
    const store = await createStore(root, 'git')
    await writeFixture(store.repo)
    await store.close()
    const tab = await open(await serve(['--root', root]))
    const env = { GIT_INDEX_FILE: join(dir, 'git-index') }
    const gitDir = ['--git-dir', root]
    git(dir, [...gitDir, 'read-tree', 'main'], undefined, env)
    const blob = git(dir, [...gitDir, 'hash-object', '-w', '--stdin'], 'written by git\n').trim()
    git(dir, [...gitDir, 'update-index', '--add', '--cacheinfo', `100644,${blob},from-git.txt`], undefined, env)
    const tree = git(dir, [...gitDir, 'write-tree'], undefined, env).trim()
    const commit = git(dir, [...gitDir, 'commit-tree', tree, '-p', 'main', '-m', 'Written by git'], undefined, env).trim()
    const started = Date.now()
    git(dir, [...gitDir, 'update-ref', 'refs/heads/main', commit])
    expect(await shown(tab, 'main', commit, started)).toBeLessThan(2)
    await tab.page.waitForSelector(`#history li[data-id="${commit}"]`, { timeout: 2000 })
    await expect.poll(() => tab.page.locator('#commit .commit-details').getAttribute('data-id'), { timeout: 2000 }).toBe(commit)
    expect(await tab.page.locator('#changes section.change').evaluateAll(s => s.map(e => e.getAttribute('data-path')))).toEqual(['from-git.txt'])
    // A branch git creates appears too.
    const branched = Date.now()
    git(dir, [...gitDir, 'branch', 'topic', 'main'])
    expect(await shown(tab, 'topic', commit, branched)).toBeLessThan(2)
    expect(tab.errors).toEqual([])
    await tab.context.close()
  })

  it('a move made while the server was down shows once it is back, without a reload', async () => {
    const root = join(dir, 'git-restart')
    const store = await createStore(root, 'git')
    await writeFixture(store.repo)
    await store.close()
    const url = await serve(['--root', root])
    const tab = await open(url)
    const live = tab.page.locator('header .live')
    await servers.pop()!.stop()
    await expect.poll(() => live.innerText(), { timeout: 5000 }).toBe('offline: reconnecting…')
    const head = git(dir, ['--git-dir', root, 'rev-parse', 'main']).trim()
    const tree = git(dir, ['--git-dir', root, 'rev-parse', 'main^{tree}']).trim()
    const commit = git(dir, ['--git-dir', root, 'commit-tree', tree, '-p', head, '-m', 'Made while the server was down']).trim()
    git(dir, ['--git-dir', root, 'update-ref', 'refs/heads/main', commit])
    const server = startIrmin(['--root', root, '--json', 'serve', '--port', new URL(url).port])
    servers.push(server)
    await server.waitForLine(line => line.startsWith('{'))
    // EventSource comes back on its own (after about 3 s); the refs it reads first hold the move.
    await expect.poll(() => tab.page.locator('#branches li[data-branch="main"] code').innerText(), { timeout: 8000 }).toBe(commit.slice(0, 7))
    expect(await live.getAttribute('data-up')).toBe('true')
    // The browser logged the refused reconnections; the page itself threw nothing.
    expect(tab.errors.filter(e => !e.includes('ERR_CONNECTION_REFUSED') && !e.includes('Failed to load resource'))).toEqual([])
    await tab.context.close()
  })

  it('PostgreSQL store, written by another irmin process: shown within two seconds', async () => {
    const root = join(dir, 'pg-store')
    const run = async (args: string[]) => {
      const result = await irmin(['--root', root, ...args])
      if (result.status !== 0) throw new Error(`irmin ${args.join(' ')}: ${result.stderr}`)
    }
    await run(['init', '--backend', 'postgres', '--url', await freshDatabase()])
    await run(['set', 'a.txt', 'one'])
    const tab = await open(await serve(['--root', root]))
    await run(['set', 'a.txt', 'two'])
    // Counted from the writer's exit (the move is made by then; its start-up is not the page's time).
    const started = Date.now()
    const head = await tab.page.evaluate(async () => ((await (await fetch('/api/branches')).json()) as { branches: Array<{ head: string }> }).branches[0].head)
    expect(await shown(tab, 'main', head, started)).toBeLessThan(2)
    await expect.poll(() => tab.page.locator('#changes tr.line.add td.text').allInnerTexts(), { timeout: 2000 }).toEqual([expect.stringMatching(/^two/)])
    expect(tab.errors).toEqual([])
    await tab.context.close()
  })

  it('memory store guarded by a read token, moved by a push: shown within two seconds', async () => {
    // The browser answers the page's Basic challenge once; the event stream rides on it too.
    const url = await serve(['--backend', 'memory'], ['--example', '--read-token', 'r-secret', '--token', 'w-secret'])
    const context = await browser.newContext({ httpCredentials: { username: 'reader', password: 'r-secret' } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', message => void (message.type() === 'error' && errors.push(message.text())))
    await page.goto(url)
    await page.waitForSelector('body[data-ready]')
    const tab: TestPage = { page, context, errors }
    const writer = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    await clone(writer, url, { token: 'w-secret' })
    const moved = await writer.branch('feature').set(['docs', 'guide.md'], new TextEncoder().encode('# Guide\n\nRewritten.\n'), { message: 'Rewrite the guide' })
    const started = Date.now()
    await push(writer, url, 'feature', { token: 'w-secret' })
    expect(await shown(tab, 'feature', moved!.id, started)).toBeLessThan(2)
    await tab.page.waitForSelector(`#history li[data-id="${moved!.id}"]`, { timeout: 2000 })
    expect(tab.errors).toEqual([])
    await writer.close()
    await tab.context.close()
  })
})
