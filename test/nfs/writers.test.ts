/**
 * NFS writes beside another writer on the same branch and a garbage collector: nothing either
 * writer acknowledged is lost, and fsck finds the store sound. Then the CLI: `irmin nfs`, an
 * `nfs-cp` upload, and `irmin get` / `irmin log` after it.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openLevelBackend, Repo, startNfsServer } from '../../index.js'
import { ensureBuilt, irmin, startIrmin } from '../helpers/irmin-cli.js'
import { nfsUrl, requireNfsTools, tool } from '../../tools/nfs-tools.js'

const enc = (s: string) => new TextEncoder().encode(s)

describe('NFS writes with other writers and GC', () => {
  let dir: string
  beforeAll(() => {
    requireNfsTools()
    dir = mkdtempSync(join(tmpdir(), 'irmin-nfs-writers-'))
  })
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
      const otherWriter = (async () => {
        for (let i = 0; i < 40; i++) {
          await repo.branch('main').set(['other', `k${i}`], enc(`v${i}`), { message: `other ${i}` })
          await new Promise(resolve => setTimeout(resolve, 5))
        }
      })()
      const collector = (async () => {
        for (let i = 0; i < 10; i++) {
          await repo.gc()
          await new Promise(resolve => setTimeout(resolve, 20))
        }
      })()
      await Promise.all([nfsWrites, otherWriter, collector])
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
