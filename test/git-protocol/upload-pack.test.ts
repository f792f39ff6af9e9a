/**
 * upload-pack with the native git CLI as client: `git clone` (protocol v2 and v0), a later
 * `git fetch` that brings only the new objects, `--depth 1`, `--filter=blob:none` with blobs
 * fetched on demand afterwards, `--filter=tree:0`; every clone `git fsck` clean and holding the
 * store's tree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Repo } from '../../index.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { bytes, closeServers, contentsOf, makeHistory, openRepo } from '../sync/helpers.js'
import { DELIM_PKT, FLUSH_PKT, pktLine } from '../../git-protocol/pkt-line.js'
import { gitOk, gitRun, gitUrl } from './helpers.js'

/** Every file of HEAD as git sees it, `path → contents`. */
async function gitFiles(dir: string): Promise<Array<[string, string]>> {
  const paths = (await gitOk(dir, ['ls-tree', '-r', '--name-only', 'HEAD'])).split('\n').filter(Boolean)
  const out: Array<[string, string]> = []
  for (const path of paths) out.push([path, await gitOk(dir, ['show', `HEAD:${path}`])])
  return out.sort(([a], [b]) => (a < b ? -1 : 1))
}

const sorted = (pairs: Array<[string, string]>) => [...pairs].sort(([a], [b]) => (a < b ? -1 : 1))

/** Loose objects in a repository (a fetch with a high unpackLimit leaves what it received loose). */
function looseCount(gitDir: string): number {
  let count = 0
  for (const dir of readdirSync(join(gitDir, 'objects'))) if (/^[0-9a-f]{2}$/.test(dir)) count += readdirSync(join(gitDir, 'objects', dir)).length
  return count
}

describe('git upload-pack from irmin serve', () => {
  let repo: Repo<Uint8Array>
  let url: string
  let work: string

  beforeAll(async () => {
    repo = await openRepo()
    await makeHistory(repo, 20)
    await repo.branch('dev').set(['dev-only'], bytes('on dev'))
    url = (await gitUrl(repo)).url
    work = tempDir()
  })
  afterAll(async () => {
    await closeServers()
    removeDir(work)
  })

  it('git clone (protocol v2) holds the store tree, every branch, and passes git fsck', async () => {
    await gitOk(work, ['-c', 'protocol.version=2', 'clone', '-q', url, 'v2'])
    const dir = join(work, 'v2')
    expect(await gitFiles(dir)).toEqual(sorted(await contentsOf(repo)))
    expect((await gitOk(dir, ['rev-parse', 'HEAD'])).trim()).toBe(await repo.backend.getRef('refs/heads/main'))
    expect((await gitOk(dir, ['rev-parse', 'origin/dev'])).trim()).toBe(await repo.backend.getRef('refs/heads/dev'))
    expect((await gitOk(dir, ['rev-list', '--count', 'HEAD'])).trim()).toBe('20')
    await gitOk(dir, ['fsck', '--strict', '--no-dangling'])
  })

  it('git clone over protocol v0 gets the same history', async () => {
    await gitOk(work, ['-c', 'protocol.version=0', 'clone', '-q', url, 'v0'])
    const dir = join(work, 'v0')
    expect(await gitFiles(dir)).toEqual(sorted(await contentsOf(repo)))
    await gitOk(dir, ['fsck', '--strict', '--no-dangling'])
    // A v0 fetch negotiates with its haves (multi_ack_detailed) and gets the new commit.
    await repo.branch('dev').set(['dev-more'], bytes('more on dev'))
    await gitOk(dir, ['-c', 'protocol.version=0', 'fetch', '-q', 'origin'])
    expect((await gitOk(dir, ['rev-parse', 'origin/dev'])).trim()).toBe(await repo.backend.getRef('refs/heads/dev'))
    await gitOk(dir, ['fsck', '--strict', '--no-dangling'])
  })

  it('a later git fetch brings only the new commits and what they changed', async () => {
    await gitOk(work, ['clone', '-q', url, 'fetcher'])
    const dir = join(work, 'fetcher')
    const before = (await gitOk(dir, ['rev-parse', 'origin/main'])).trim()
    const store = repo.branch('main')
    await store.set(['docs', 'new.txt'], bytes('new file'))
    await store.set(['readme'], bytes('readme changed'))
    const loose = looseCount(join(dir, '.git'))
    await gitOk(dir, ['-c', 'fetch.unpackLimit=1000000', '-c', 'transfer.unpackLimit=1000000', 'fetch', '-q', 'origin'])
    const after = (await gitOk(dir, ['rev-parse', 'origin/main'])).trim()
    expect(after).toBe(await repo.backend.getRef('refs/heads/main'))
    // Exactly what the two new commits add: git's own count of the objects `before` lacks.
    const expected = (await gitOk(dir, ['rev-list', '--objects', after, '--not', before])).split('\n').filter(Boolean).length
    expect(expected).toBe(2 + 3 + 2) // two commits; root tree twice and docs/ once; two blobs
    expect(looseCount(join(dir, '.git')) - loose).toBe(expected)
    await gitOk(dir, ['fsck', '--strict', '--no-dangling'])
  })

  it('git clone --depth 1 (v2 and v0) gets one commit, records it shallow, and passes fsck', async () => {
    for (const version of ['2', '0']) {
      await gitOk(work, ['-c', `protocol.version=${version}`, 'clone', '-q', '--depth', '1', url, `shallow${version}`])
      const dir = join(work, `shallow${version}`)
      expect((await gitOk(dir, ['rev-list', '--count', 'HEAD'])).trim()).toBe('1')
      expect((await gitOk(dir, ['rev-parse', '--is-shallow-repository'])).trim()).toBe('true')
      expect(await gitFiles(dir)).toEqual(sorted(await contentsOf(repo)))
      await gitOk(dir, ['fsck', '--strict', '--no-dangling'])
    }
    // A shallow clone fetches new commits on top of its boundary.
    await repo.branch('main').set(['after-shallow'], bytes('x'))
    for (const version of ['2', '0']) {
      const dir = join(work, `shallow${version}`)
      await gitOk(dir, ['-c', `protocol.version=${version}`, 'pull', '-q', '--ff-only'])
      expect((await gitOk(dir, ['rev-list', '--count', 'HEAD'])).trim()).toBe('2')
      await gitOk(dir, ['fsck', '--strict', '--no-dangling'])
    }
  })

  it('git clone --filter=blob:none gets no blobs, then fetches each on demand', async () => {
    await gitOk(work, ['clone', '-q', '--no-checkout', '--filter=blob:none', url, 'partial'])
    const dir = join(work, 'partial')
    const missing = (await gitOk(dir, ['rev-list', '--objects', '--all', '--missing=print'])).split('\n').filter(l => l.startsWith('?'))
    const blobs = (await contentsOf(repo)).length
    expect(missing.length).toBeGreaterThanOrEqual(blobs) // every blob of every commit is missing
    await gitOk(dir, ['checkout', '-q', 'main']) // fetches the blobs of HEAD by id
    expect(await gitFiles(dir)).toEqual(sorted(await contentsOf(repo)))
    const stillMissing = (await gitOk(dir, ['rev-list', '--objects', '--all', '--missing=print'])).split('\n').filter(l => l.startsWith('?'))
    expect(stillMissing.length).toBe(missing.length - blobs)
    await gitOk(dir, ['fsck', '--no-dangling'])
  })

  it('git clone --filter=tree:0 gets the commits only', async () => {
    await gitOk(work, ['clone', '-q', '--no-checkout', '--filter=tree:0', url, 'commits'])
    const dir = join(work, 'commits')
    const present = (await gitOk(dir, ['rev-list', '--objects', '--all', '--missing=print'])).split('\n').filter(l => l && !l.startsWith('?'))
    expect(present.length).toBe(Number((await gitOk(dir, ['rev-list', '--count', '--all'])).trim()))
    await gitOk(dir, ['checkout', '-q', 'main'])
    expect(await gitFiles(dir)).toEqual(sorted(await contentsOf(repo)))
  })

  it('a client that goes away mid-pack: the spool is removed and the server goes on serving', async () => {
    const big = repo.branch('big')
    for (let i = 0; i < 4; i++) await big.set([`large${i}`], new Uint8Array(2_000_000).map((_, j) => (j * (i + 7)) % 251))
    const head = await repo.backend.getRef('refs/heads/big')
    const body = Buffer.concat([pktLine('command=fetch\n'), DELIM_PKT, pktLine(`want ${head}\n`), pktLine('done\n'), FLUSH_PKT].map(b => Buffer.from(b)))
    const abort = new AbortController()
    const reply = await fetch(`${url}/git-upload-pack`, { method: 'POST', body, headers: { 'git-protocol': 'version=2' }, signal: abort.signal })
    const reader = reply.body!.getReader()
    await reader.read() // the first bytes of the reply, then the client is gone
    abort.abort()
    await reader.read().catch(() => {})
    const spools = () => readdirSync(tmpdir()).filter(name => name.startsWith(`irmin-upload-pack-${process.pid}-`))
    for (let i = 0; i < 100 && spools().length > 0; i++) await new Promise(resolve => setTimeout(resolve, 50))
    expect(spools()).toEqual([])
    await gitOk(join(work, 'v2'), ['fetch', '-q', 'origin'])
    expect((await gitOk(join(work, 'v2'), ['rev-parse', 'origin/big'])).trim()).toBe(head)
  })

  it('answers an unknown want with a clear remote error and goes on serving', async () => {
    const dir = join(work, 'v2')
    const result = await gitRun(dir, ['fetch', 'origin', '0123456789abcdef0123456789abcdef01234567'])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/not our ref 0123456789abcdef0123456789abcdef01234567/)
    await gitOk(dir, ['fetch', '-q', 'origin'])
  })
})
