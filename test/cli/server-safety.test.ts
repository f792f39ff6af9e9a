/**
 * `irmin serve` left running: it answers only requests addressed to its own names (DNS
 * rebinding), bounds every response (tree pages, capped diffs, large values only raw), answers
 * bad requests with 4xx and keeps serving, and warns when it listens beyond loopback.
 */
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiDiff, ApiTree, ApiValue } from '../../web/inspector/api-types.js'
import { git, initBareRepo, removeDir } from '../helpers/git.js'
import { ensureBuilt, type RunningIrmin, startIrmin } from '../helpers/irmin-cli.js'

const ENTRIES = 1500
const BIG = 3 * 1024 * 1024

let gitDir: string
let server: RunningIrmin
let url: URL

beforeAll(async () => {
  await ensureBuilt()
  gitDir = initBareRepo()
  // One commit with an empty tree, then one with ENTRIES small files and one big file.
  const blobs = Array.from({ length: ENTRIES }, (_, i) => git(gitDir, ['hash-object', '-w', '--stdin'], `value ${i}\n`).trim())
  const big = git(gitDir, ['hash-object', '-w', '--stdin'], Buffer.alloc(BIG, 'x')).trim()
  const listing = blobs.map((id, i) => `100644 blob ${id}\tf${String(i).padStart(5, '0')}`).join('\n') + `\n100644 blob ${big}\tzbig\n`
  const tree = git(gitDir, ['mktree'], listing).trim()
  const emptyTree = git(gitDir, ['mktree'], '').trim()
  const first = git(gitDir, ['commit-tree', emptyTree, '-m', 'empty']).trim()
  const second = git(gitDir, ['commit-tree', tree, '-p', first, '-m', 'many']).trim()
  git(gitDir, ['update-ref', 'refs/heads/main', second])
  server = startIrmin(['--root', gitDir, '--json', 'serve', '--port', '0'])
  url = new URL(JSON.parse(await server.waitForLine(line => line.startsWith('{'))).url)
})

afterAll(async () => {
  await server?.stop()
  removeDir(gitDir)
})

/** A GET with the Host header given (fetch does not let a page, or a test, set it). */
function get(path: string, host = url.host): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname: url.hostname, port: url.port, path, headers: { host } }, response => {
      let text = ''
      response.on('data', chunk => (text += chunk))
      response.on('end', () => resolve({ status: response.statusCode!, text }))
    })
    request.on('error', reject)
    request.end()
  })
}

async function api<T>(path: string): Promise<T> {
  const r = await get(path)
  expect(r.status, r.text).toBe(200)
  return JSON.parse(r.text) as T
}

describe('irmin serve, safe to leave running', () => {
  it('refuses a request addressed to another name, and answers its own names', async () => {
    const foreign = await get('/api/branches', `attacker.example:${url.port}`)
    expect(foreign.status).toBe(421)
    expect(JSON.parse(foreign.text)).toMatchObject({ code: 'EFOREIGNHOST' })
    expect((await get('/', `attacker.example:${url.port}`)).status).toBe(421)
    // Right name, wrong port: a rebinding page on another port of localhost.
    expect((await get('/api/branches', 'localhost:1')).status).toBe(421)
    for (const host of [url.host, `localhost:${url.port}`, `LOCALHOST:${url.port}`]) expect((await get('/api/branches', host)).status).toBe(200)
  })

  it('does not reveal where the store lives', async () => {
    const info = await api<Record<string, unknown>>('/api/info')
    expect(info).toEqual({ backend: 'git', name: expect.any(String) })
    expect(JSON.stringify(info)).not.toContain('/')
  })

  it('pages a large directory', async () => {
    const first = await api<ApiTree>('/api/tree/main/')
    expect(first.entries.length).toBe(1000)
    expect(first.next).toBe(first.entries[999].name)
    const second = await api<ApiTree>(`/api/tree/main/?after=${first.next}`)
    expect(second.next).toBeNull()
    expect([...first.entries, ...second.entries].map(e => e.name)).toEqual([...Array.from({ length: ENTRIES }, (_, i) => `f${String(i).padStart(5, '0')}`), 'zbig'])
  })

  it('caps a large diff and says so', async () => {
    const diff = await api<ApiDiff>(`/api/diff/${(await api<{ parents: string[] }>('/api/commit/main')).parents[0]}/main`)
    expect(diff.changes.length).toBe(1000)
    expect(diff.truncated).toBe(true)
  })

  it('serves a large value only raw, streamed in chunks', async () => {
    const value = await api<ApiValue>('/api/value/main/zbig')
    expect(value).toMatchObject({ encoding: 'omitted', size: BIG })
    const raw = await fetch(new URL('/api/value/main/zbig?raw', url))
    expect(raw.status).toBe(200)
    expect(raw.headers.get('content-length')).toBe(String(BIG))
    const reader = raw.body!.getReader()
    let chunks = 0
    let size = 0
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      chunks++
      size += read.value.length
    }
    expect(size).toBe(BIG)
    expect(chunks).toBeGreaterThan(1)
  })

  it('answers bad requests with 4xx and goes on serving', async () => {
    for (const path of ['/api/history?limit=0', '/api/history?after=0000000000000000000000000000000000000000', '/api/tree/nosuch/', '/api/value/main/%zz', '/api/nosuch']) {
      const r = await get(path)
      expect(r.status, path).toBeGreaterThanOrEqual(400)
      expect(r.status, path).toBeLessThan(500)
    }
    expect((await get('/api/branches')).status).toBe(200)
  })

  it('warns when it listens beyond loopback', async () => {
    const open = startIrmin(['--root', gitDir, 'serve', '--port', '0', '--host', '0.0.0.0'])
    try {
      const warning = await open.waitForError(line => line.startsWith('warning:'))
      expect(warning).toContain('--host 0.0.0.0')
    } finally {
      await open.stop()
    }
  })
})
