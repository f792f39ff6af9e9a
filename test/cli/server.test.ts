/**
 * `irmin serve`: the JSON API over the example store (the one `npm start` makes), its answers to
 * bad requests (a 4xx JSON error, and the server goes on serving), the note it leaves in the
 * store while it runs, and what other commands say when it holds a LevelDB store.
 */
import { existsSync, readFileSync } from 'node:fs'
import { get as httpGet } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyHunks, countChanges } from '../../core/line-diff.js'
import type { ApiBranches, ApiCommit, ApiDiff, ApiHistory, ApiPaths, ApiTree, ApiValue } from '../../web/inspector/api-types.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)

const dir = tempDir('irmin-cli-serve-')
const root = join(dir, 'data')
let server: RunningIrmin
let url: string

beforeAll(async () => {
  server = startIrmin(['--root', root, '--json', 'serve', '--port', '0', '--example'])
  url = JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url
})

afterAll(async () => {
  await server?.stop()
  removeDir(dir)
})

async function api<T>(path: string): Promise<T> {
  const response = await fetch(new URL(path, url))
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200)
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
  return (await response.json()) as T
}

/** A GET with the path exactly as written (fetch would normalise `..` and `%2e%2e` away). */
function rawGet(path: string, method = 'GET'): Promise<{ status: number; body: { error: string; code: string } }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(new URL(url), { path, method }, response => {
      let text = ''
      response.on('data', chunk => (text += chunk))
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }))
    })
    request.on('error', reject)
  })
}

describe('the JSON API over the example store', () => {
  it('lists the branches with their heads, and describes the store', async () => {
    const { branches } = await api<ApiBranches>('/api/branches')
    expect(branches.map(b => b.name)).toEqual(['feature', 'main'])
    for (const b of branches) expect(b.head).toMatch(/^[0-9a-f]{40}$/)
    // The directory's own name: the absolute path would tell every page that can reach the server where it lives.
    expect(await api('/api/info')).toEqual({ backend: 'level', name: 'data' })
  })

  it('gives one commit by branch, id or prefix', async () => {
    const main = await api<ApiCommit>('/api/commit/main')
    // The example ends by merging feature into main: a merge commit, main's head first.
    expect(main).toMatchObject({ message: 'Merge feature', author: 'Ada <ada@example.org>', date: '2024-05-01T09:56:00.000Z', parents: [expect.any(String), expect.any(String)] })
    expect((await api<ApiCommit>(`/api/commit/${main.parents[0]}`)).message).toBe('Drop the logo')
    expect(main.parents[1]).toBe((await api<ApiCommit>('/api/commit/feature')).id)
    expect(await api(`/api/commit/${main.id}`)).toEqual(main)
    expect(await api(`/api/commit/${main.id.slice(0, 9)}`)).toEqual(main)
  })

  it('pages through history with parents, for drawing the graph', async () => {
    const all = await api<ApiHistory>('/api/history')
    expect(all.next).toBeNull()
    expect(all.commits.map(c => c.message)).toEqual([
      'Merge feature',
      'Drop the logo',
      'Add grace',
      'Write a guide',
      'Turn on debugging',
      'Add a logo',
      'Add users',
      'Add README and configuration',
    ])
    const first = await api<ApiHistory>('/api/history?limit=3')
    expect(first.commits).toEqual(all.commits.slice(0, 3))
    expect(first.next).toBe(all.commits[2].id)
    const second = await api<ApiHistory>(`/api/history?limit=3&after=${first.next}`)
    expect(second.commits).toEqual(all.commits.slice(3, 6))
    const last = await api<ApiHistory>(`/api/history?limit=3&after=${second.next}`)
    expect(last).toEqual({ commits: all.commits.slice(6), next: null })
    const feature = await api<ApiHistory>('/api/history?branch=feature')
    expect(feature.commits.map(c => c.message)).toEqual(['Write a guide', 'Turn on debugging', 'Add a logo', 'Add users', 'Add README and configuration'])
    expect(feature.commits[1].parents).toEqual([feature.commits[2].id])
  })

  it('lists tree entries with kinds, modes and ids', async () => {
    const rootTree = await api<ApiTree>('/api/tree/feature/')
    expect(rootTree.path).toBe('')
    expect(rootTree.entries.map(e => [e.name, e.kind, e.mode])).toEqual([
      ['README.md', 'file', '100644'],
      ['assets', 'dir', '40000'],
      ['config', 'dir', '40000'],
      ['docs', 'dir', '40000'],
    ])
    const config = await api<ApiTree>('/api/tree/feature/config')
    expect(config).toMatchObject({ path: 'config', commit: rootTree.commit })
    expect(config.entries.map(e => e.name)).toEqual(['app.json', 'users.json'])
    expect(config.entries[0].id).toMatch(/^[0-9a-f]{40}$/)
  })

  it('gives values as text, as base64, or raw with a content type', async () => {
    const text = await api<ApiValue>('/api/value/feature/config/app.json')
    expect(text).toMatchObject({ path: 'config/app.json', encoding: 'utf8', size: 54 })
    expect(JSON.parse((text as { value: string }).value)).toEqual({ name: 'demo', port: 8080, debug: true })
    const png = await api<ApiValue>('/api/value/feature/assets/pixel.png')
    expect(png).toMatchObject({ encoding: 'base64', size: 70 })
    const raw = await fetch(new URL('/api/value/feature/assets/pixel.png?raw', url))
    // Typed by its bytes, so an <img> shows it; raw values run nothing even opened as a page.
    expect(raw.headers.get('content-type')).toBe('image/png')
    expect(raw.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox")
    const bytes = new Uint8Array(await raw.arrayBuffer())
    expect(Buffer.from(bytes).toString('base64')).toBe((png as { value: string }).value)
    expect([...bytes.subarray(1, 4)].map(b => String.fromCharCode(b)).join('')).toBe('PNG')
    const rawText = await fetch(new URL('/api/value/main/README.md?raw', url))
    expect(rawText.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(await rawText.text()).toMatch(/^# Example store\n/)
  })

  it('gives the structured changes between two commits', async () => {
    const diff = await api<ApiDiff>('/api/diff/main/feature')
    // main merged feature, so they differ only by what main did after the fork.
    expect(diff.changes.map(c => [c.kind, c.path])).toEqual([
      ['added', 'assets/pixel.png'],
      ['updated', 'config/users.json'],
    ])
    const users = diff.changes[1]
    expect(users.before).toMatchObject({ encoding: 'utf8', value: expect.stringContaining('"grace"') })
    expect(users.after).toMatchObject({ encoding: 'utf8', value: expect.not.stringContaining('"grace"') })
    expect(diff.changes[0].before).toBeUndefined()
    expect((await api<ApiDiff>('/api/diff/main/main')).changes).toEqual([])
  })

  it("gives a commit's changes against its first parent, text with its line diff", async () => {
    const { commits } = await api<ApiHistory>('/api/history?branch=main')
    const root = commits[commits.length - 1]
    const first = await api<ApiDiff>(`/api/changes/${root.id}`)
    expect(first.a).toBeNull()
    expect(first.changes.map(c => [c.kind, c.path])).toEqual([['added', 'README.md'], ['added', 'config/app.json']])
    expect(first.changes[0].hunks).toEqual([expect.objectContaining({ oldStart: 0, oldLines: 0, newStart: 1, newLines: 3 })])
    const merge = await api<ApiDiff>('/api/changes/main')
    expect(merge.a).toBe(commits[0].parents[0])
    expect(merge.changes.map(c => [c.kind, c.path])).toEqual([['updated', 'config/app.json'], ['added', 'docs/guide.md']])
    // The hunks turn the value before into the value after, and count as git counts.
    const app = merge.changes[0]
    const text = (v: ApiDiff['changes'][0]['before']) => (v as { value: string }).value
    expect(applyHunks(text(app.before), app.hunks!)).toBe(text(app.after))
    expect(countChanges(app.hunks!)).toEqual({ added: 1, removed: 1 })
    // A binary value gets no line diff.
    const logo = (await api<ApiDiff>('/api/diff/feature/main')).changes.find(c => c.path === 'assets/pixel.png')
    expect(logo).toMatchObject({ kind: 'removed' })
    expect(logo!.hunks).toBeUndefined()
  })

  it('finds the paths of a commit that hold every word of a query, directories too', async () => {
    expect((await api<ApiPaths>('/api/paths/main?q=JSON')).paths).toEqual([
      { path: 'config/app.json', kind: 'file' },
      { path: 'config/users.json', kind: 'file' },
    ])
    expect(await api<ApiPaths>('/api/paths/feature?q=con%20app')).toMatchObject({ query: 'con app', paths: [{ path: 'config/app.json', kind: 'file' }], truncated: false })
    expect((await api<ApiPaths>('/api/paths/main?q=docs')).paths).toEqual([
      { path: 'docs', kind: 'dir' },
      { path: 'docs/guide.md', kind: 'file' },
    ])
    expect((await api<ApiPaths>('/api/paths/main?q=nothing-like-this')).paths).toEqual([])
  })

  it('serves the inspector page and its script', async () => {
    const page = await fetch(url)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toContain('<script type="module" src="/inspector.js"></script>')
    const script = await fetch(new URL('/inspector.js', url))
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect((await script.text()).length).toBeGreaterThan(1000)
  })
})

describe('bad requests get a 4xx JSON error and the server goes on serving', () => {
  it.each([
    ['/api/commit/0123456789abcdef0123456789abcdef01234567', 404, 'ENOTFOUND', 'not found: commit 0123456789abcdef0123456789abcdef01234567'],
    ['/api/commit/nosuchbranch', 404, 'ENOTFOUND', 'not found: branch or commit nosuchbranch'],
    ['/api/commit/', 400, 'EBADREQUEST', 'the URL needs a commit'],
    ['/api/tree/main/nothing/here', 404, 'ENOTFOUND', 'not found: nothing'],
    ['/api/tree/main/README.md', 404, 'ENOTDIR', 'not a directory: README.md'],
    ['/api/tree/main/config/..', 400, 'EINVALIDPATH', 'invalid path ["config",".."]: step ".." is not allowed'],
    ['/api/tree/main/config/%2e%2e', 400, 'EINVALIDPATH', 'invalid path ["config",".."]: step ".." is not allowed'],
    ['/api/tree/main/a//b', 400, 'EINVALIDPATH', 'invalid path ["a","","b"]: empty step'],
    ['/api/tree/main/%E0%A4%A', 400, 'EBADREQUEST', 'malformed percent-encoding in URL segment "%E0%A4%A"'],
    ['/api/value/main/config', 404, 'ENOTFILE', 'not a file: config is a directory'],
    ['/api/value/main/missing.txt', 404, 'ENOTFOUND', 'not found: missing.txt'],
    ['/api/value/main', 400, 'EBADREQUEST', 'a value needs a path: /api/value/COMMIT/PATH'],
    ['/api/diff/main', 400, 'EBADREQUEST', 'the URL needs two commits'],
    ['/api/changes/', 400, 'EBADREQUEST', 'the URL needs a commit'],
    ['/api/changes/main/extra', 404, 'ENOROUTE', 'no such API route (unexpected /extra)'],
    ['/api/paths/main', 400, 'EBADQUERY', 'q needs some text to look for'],
    ['/api/paths/main?q=%20%20', 400, 'EBADQUERY', 'q needs some text to look for'],
    [`/api/paths/main?q=${'x'.repeat(201)}`, 400, 'EBADQUERY', 'q is longer than 200 characters'],
    ['/api/paths/nosuchbranch?q=a', 404, 'ENOTFOUND', 'not found: branch or commit nosuchbranch'],
    ['/api/history?limit=0', 400, 'EBADQUERY', 'limit must be a whole number from 1 to 1000'],
    ['/api/history?limit=lots', 400, 'EBADQUERY', 'limit must be a whole number from 1 to 1000'],
    ['/api/history?after=0123456789abcdef0123456789abcdef01234567', 400, 'EBADQUERY', 'after=0123456789abcdef0123456789abcdef01234567: no such commit in this history'],
    ['/api/history?branch=nosuch', 404, 'ENOTFOUND', 'not found: branch nosuch (it has no commits)'],
    ['/api/history?branch=bad..name', 400, 'EINVALIDBRANCH', 'invalid branch name "bad..name": contains ".."'],
    ['/api/branches/extra', 404, 'ENOROUTE', 'no such API route (unexpected /extra)'],
    ['/api/nothing', 404, 'ENOROUTE', 'no such API route: /api/nothing'],
    ['/nothing.html', 404, 'ENOROUTE', 'not found: /nothing.html'],
  ])('GET %s → %i %s', async (path, status, code, error) => {
    expect(await rawGet(path)).toEqual({ status, body: { error, code } })
    expect((await api<ApiBranches>('/api/branches')).branches).toHaveLength(2)
  })

  it('writes are refused: the API is read-only', async () => {
    expect(await rawGet('/api/branches', 'DELETE')).toEqual({ status: 405, body: { error: 'DELETE is not allowed: the API is read-only', code: 'EMETHOD' } })
    expect((await api<ApiBranches>('/api/branches')).branches).toHaveLength(2)
  })
})

describe('serve and other processes', () => {
  it('writes its pid and URL into the store while it runs', () => {
    expect(JSON.parse(readFileSync(join(root, 'serve.json'), 'utf8'))).toEqual({ pid: server.child.pid, url })
  })

  it('a command that needs the store it holds (gc) fails at once, naming the server; reads go through it', async () => {
    const started = Date.now()
    const result = await irmin(['--root', root, 'gc'])
    expect(result).toMatchObject({ status: 1, stdout: '', stderr: `store ${root} is in use by irmin serve (pid ${server.child.pid}, ${url}): stop it, or work through it (reads, set and remove do)\n` })
    expect(Date.now() - started).toBeLessThan(2500)
    expect((await irmin(['--root', root, 'list'])).status).toBe(0)
  })

  it('a second server on the same port fails with one line', async () => {
    const port = new URL(url).port
    const result = await irmin(['--backend', 'memory', 'serve', '--port', port])
    expect(result).toMatchObject({ status: 1, stdout: '', stderr: `cannot listen on 127.0.0.1:${port}: the port is in use (choose another with --port)\n` })
  })

  it('serves a memory store with example history, and stops cleanly, removing its note', async () => {
    const memory = startIrmin(['--backend', 'memory', 'serve', '--port', '0', '--example'])
    try {
      const line = await memory.waitForLine(l => l.startsWith('irmin serve:'))
      const memoryUrl = line.slice(line.indexOf('http://'))
      expect(line).toBe(`irmin serve: a memory store at ${memoryUrl}`)
      const history = (await (await fetch(new URL('/api/history', memoryUrl))).json()) as ApiHistory
      expect(history.commits).toHaveLength(8)
      expect(await (await fetch(new URL('/api/info', memoryUrl))).json()).toEqual({ backend: 'memory', name: null })
    } finally {
      expect(await memory.stop()).toBe(0)
    }
    expect(await server.stop()).toBe(0)
    expect(existsSync(join(root, 'serve.json'))).toBe(false)
    expect(await irmin(['--root', root, 'get', 'README.md'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^# Example store/) })
  })
})
