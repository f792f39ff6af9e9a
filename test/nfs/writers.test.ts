/**
 * NFS writes beside another writer on the same branch and a garbage collector: nothing either
 * writer acknowledged is lost, and fsck finds the store sound — for large files (synced commits,
 * spools) and small ones (journaled commits, written behind). Then the CLI: `irmin nfs`, an
 * `nfs-cp` upload, and `irmin get` / `irmin log` after it; and a SIGKILL right after a client
 * saved small files, which the restarted export brings back from its journal.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openLevelBackend, Repo, startNfsServer } from '../../index.js'
import { ensureBuilt, irmin, startIrmin } from '../helpers/irmin-cli.js'
import { buildDriver, nfsUrl, requireNfsTools, tool } from '../../tools/nfs-tools.js'

const enc = (s: string) => new TextEncoder().encode(s)
const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** Another writer on the branch: `count` commits under `other/`, `ms` apart. */
async function otherWriter(repo: Repo<Uint8Array>, count: number, ms: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await repo.branch('main').set(['other', `k${i}`], enc(`v${i}`), { message: `other ${i}` })
    await pause(ms)
  }
}

/** Garbage collection `runs` times, `ms` apart. */
async function collector(repo: Repo<Uint8Array>, runs: number, ms: number): Promise<void> {
  for (let i = 0; i < runs; i++) {
    await repo.gc()
    await pause(ms)
  }
}

describe('NFS writes with other writers and GC', () => {
  let dir: string
  let driver: string
  beforeAll(async () => {
    requireNfsTools()
    dir = mkdtempSync(join(tmpdir(), 'irmin-nfs-writers-'))
    driver = await buildDriver()
  }, 120_000)
  // The CLI test runs the compiled irmin: building it on a loaded machine can take a minute.
  beforeAll(ensureBuilt, 300_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('loses nothing from NFS clients, another writer or GC, and fsck is clean', async () => {
    const repo = await Repo.open({ backend: await openLevelBackend(join(dir, 'store')), contents: Contents.bytes })
    await repo.branch('main').set(['seed'], enc('seed'))
    const server = await startNfsServer({ repo, port: 0, mountPort: 0, idleMs: 50 })
    try {
      // Files past 4 MiB go to spools that become stored records (spool-buffer.ts).
      const files = [
        ...Array.from({ length: 6 }, (_, i) => ({ name: `nfs-${i}.bin`, data: randomBytes(300_000 + i * 70_000) })),
        { name: 'spooled-a.bin', data: randomBytes(5 << 20) },
        { name: 'spooled-b.bin', data: randomBytes((6 << 20) + 4321) },
      ]
      const nfsWrites = (async () => {
        for (const f of files) {
          const local = join(dir, f.name)
          writeFileSync(local, f.data)
          const r = await tool('nfs-cp', [local, nfsUrl(server.port, server.mountPort, `/${f.name}`)])
          expect(r.status, r.stderr).toBe(0)
        }
      })()
      await Promise.all([nfsWrites, otherWriter(repo, 40, 5), collector(repo, 10, 20)])
      await server.flush()
      const main = repo.branch('main')
      const last = new Map(files.map(f => [f.name, f.data]))
      for (const [name, data] of last) expect(Buffer.from(await main.get([name])).equals(data), name).toBe(true)
      expect(await main.list(['other'])).toHaveLength(40)
      await repo.gc()
      const listing = await tool('nfs-ls', [nfsUrl(server.port, server.mountPort, '/other')])
      expect(listing.stdout.trim().split('\n')).toHaveLength(40)
      expect((await repo.fsck()).damage).toEqual([])
    } finally {
      await server.close()
      await repo.close()
    }
  })

  it('small files (journaled commits) beside another writer and GC: nothing lost, fsck clean', async () => {
    const repo = await Repo.open({ backend: await openLevelBackend(join(dir, 'small-store')), contents: Contents.bytes })
    await repo.branch('main').set(['seed'], enc('seed'))
    const server = await startNfsServer({ repo, port: 0, mountPort: 0, idleMs: 30 })
    try {
      const url = nfsUrl(server.port, server.mountPort)
      const nfsWrites = (async () => {
        for (const d of ['a', 'b', 'c']) {
          const r = await tool(driver, [url, 'mkfiles', `/small-${d}`, '150'], 120_000)
          expect(r.stdout).toContain('ok mkfiles')
        }
      })()
      await Promise.all([nfsWrites, otherWriter(repo, 60, 3), collector(repo, 15, 10)])
      await server.flush()
      const main = repo.branch('main')
      for (const d of ['a', 'b', 'c']) {
        expect(await main.list([`small-${d}`])).toHaveLength(150)
        expect(new TextDecoder().decode(await main.get([`small-${d}`, 'file-00149']))).toBe('small file 149\n')
      }
      expect(await main.list(['other'])).toHaveLength(60)
      await repo.gc()
      expect((await repo.fsck()).damage).toEqual([])
    } finally {
      await server.close()
      await repo.close()
    }
    // Closed: every journaled commit was made durable, the journal emptied.
    const reopened = await Repo.open({ backend: await openLevelBackend(join(dir, 'small-store')), contents: Contents.bytes })
    expect(await reopened.branch('main').list(['small-c'])).toHaveLength(150)
    expect((await reopened.fsck()).damage).toEqual([])
    await reopened.close()
  }, 120_000)

  it('irmin nfs killed (SIGKILL) right after a client saved small files: the restarted export has every one', async () => {
    const root = join(dir, 'kill-store')
    expect((await irmin(['--root', root, 'init'])).status).toBe(0)
    const start = async () => {
      const server = startIrmin(['--root', root, 'nfs', '--port', '0', '--mount-port', '0'])
      const line = await server.waitForLine(l => l.startsWith('irmin nfs:'))
      return { server, url: line.slice(line.indexOf('nfs://')) }
    }
    const first = await start()
    const r = await tool(driver, [first.url, 'mkfiles', '/saved', '200'], 120_000)
    expect(r.stdout).toContain('ok mkfiles')
    first.server.child.kill('SIGKILL')
    await first.server.stop()
    const second = await start()
    const cat = await tool('nfs-cat', [second.url.replace('/export?', '/export/saved/file-00199?')])
    expect(cat.stdout).toBe('small file 199\n')
    expect(await second.server.stop()).toBe(0)
    const listed = await irmin(['--root', root, 'list', 'saved'])
    expect(listed.stdout.trim().split('\n')).toHaveLength(200)
    expect((await irmin(['--root', root, '--contents', 'bytes', 'get', 'saved/file-00000'])).bytes.toString()).toBe('small file 0\n')
    expect((await irmin(['--root', root, 'fsck'])).status).toBe(0)
  }, 120_000)

  it('irmin nfs: an nfs-cp upload shows in irmin get and irmin log', async () => {
    const root = join(dir, 'cli-store')
    expect((await irmin(['--root', root, 'init'])).status).toBe(0)
    expect((await irmin(['--root', root, 'set', 'hello.txt', 'hi'])).status).toBe(0)
    const server = startIrmin(['--root', root, 'nfs', '--port', '0', '--mount-port', '0'])
    const line = await server.waitForLine(l => l.startsWith('irmin nfs:'))
    const url = line.slice(line.indexOf('nfs://'))
    const data = randomBytes(5 * 1024 * 1024) // spooled (past 4 MiB)
    const local = join(dir, 'cli-upload.bin')
    writeFileSync(local, data)
    const up = await tool('nfs-cp', [local, url.replace('/export?', '/export/sub-upload.bin?')])
    expect(up.status, up.stderr).toBe(0)
    expect((await tool('nfs-cat', [url.replace('/export?', '/export/hello.txt?')])).stdout).toBe('hi')
    expect(await server.stop()).toBe(0)
    const got = await irmin(['--root', root, '--contents', 'bytes', 'get', 'sub-upload.bin'])
    expect(got.status).toBe(0)
    expect(got.bytes.equals(data)).toBe(true)
    const log = await irmin(['--root', root, 'log'])
    expect(log.stdout).toContain('nfs: ')
    expect(log.stdout).toContain('sub-upload.bin')
  })
})
