/**
 * The export against real clients: Debian's libnfs-utils and a C driver over libnfs, on a
 * LevelDB store, through every NFSv3 procedure, a restart and a read-only time machine.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openLevelBackend, Repo, startNfsServer, type NfsServer } from '../../index.js'
import { buildDriver, nfsUrl, tool } from '../../tools/nfs-tools.js'

const enc = (s: string) => new TextEncoder().encode(s)

describe('NFSv3 export with libnfs clients', () => {
  let dir: string
  let repo: Repo<Uint8Array>
  let server: NfsServer
  let driver: string
  let firstCommit: string
  const url = (path = '') => nfsUrl(server.port, server.mountPort, path)

  beforeAll(async () => {
    driver = await buildDriver()
    dir = mkdtempSync(join(tmpdir(), 'irmin-nfs-'))
    repo = await Repo.open({ backend: await openLevelBackend(join(dir, 'store')), contents: Contents.bytes })
    await repo.branch('main').batch(
      tx => {
        tx.set(['readme.txt'], enc('first version\n'))
        tx.set(['src', 'main.c'], enc('int main() { return 0; }\n'))
        tx.set(['src', 'run.sh'], enc('#!/bin/sh\n'), '100755')
        tx.set(['src', 'link'], enc('main.c'), '120000')
        for (let i = 0; i < 5000; i++) tx.set(['big', `entry-${String(i).padStart(5, '0')}`], enc(String(i)))
      },
      { message: 'seed' },
    )
    firstCommit = (await repo.branch('main').headId())!
    server = await startNfsServer({ repo, port: 0, mountPort: 0, idleMs: 200 })
  })

  afterAll(async () => {
    await server?.close()
    await repo?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('nfs-ls -R lists the tree with git modes as file types and permissions', async () => {
    await repo.branch('main').set(['big-free', 'x'], enc('x')) // a change the server must pick up
    const r = await tool('nfs-ls', ['-R', url()])
    expect(r.status).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines.find(l => l.endsWith(' readme.txt'))).toMatch(/^-rw-r--r--.* 14 readme\.txt$/)
    expect(lines.find(l => l.endsWith(' src/run.sh'))).toMatch(/^-rwxr-xr-x/)
    expect(lines.find(l => l.endsWith(' src/link'))).toMatch(/^l/)
    expect(lines.find(l => l.endsWith(' src'))).toMatch(/^d/)
    expect(lines.filter(l => l.includes(' big/entry-'))).toHaveLength(5000)
    expect(lines.some(l => l.endsWith(' big-free/x'))).toBe(true)
  })

  it('nfs-cat reads a file', async () => {
    const r = await tool('nfs-cat', [url('/src/main.c')])
    expect(r.status).toBe(0)
    expect(r.stdout).toBe('int main() { return 0; }\n')
  })

  it('nfs-cp copies a multi-megabyte random file both ways, byte for byte, and it becomes a commit', async () => {
    const data = randomBytes(6 * 1024 * 1024 + 12345)
    const local = join(dir, 'upload.bin')
    writeFileSync(local, data)
    const up = await tool('nfs-cp', [local, url('/src/upload.bin')])
    expect(up.stderr).toBe('')
    expect(up.status).toBe(0)
    const back = join(dir, 'download.bin')
    const down = await tool('nfs-cp', [url('/src/upload.bin'), back])
    expect(down.status).toBe(0)
    expect(readFileSync(back).equals(data)).toBe(true)
    // Six readers at once of the spooled file: each READ reply lends its data from a pool of
    // four buffers, which must not be reused before the reply is sent.
    const readers = await Promise.all([1, 2, 3, 4, 5, 6].map(n => tool('nfs-cp', [url('/src/upload.bin'), join(dir, `download-${n}.bin`)])))
    for (const [n, r] of readers.entries()) {
      expect(r.status).toBe(0)
      expect(readFileSync(join(dir, `download-${n + 1}.bin`)).equals(data), `reader ${n + 1}`).toBe(true)
    }
    await server.flush()
    const stored = await repo.branch('main').get(['src', 'upload.bin'])
    expect(Buffer.from(stored).equals(data)).toBe(true)
    const messages: string[] = []
    for await (const c of repo.branch('main').history({ limit: 5 })) messages.push(c.message)
    expect(messages.some(m => m.includes('src/upload.bin'))).toBe(true)
  })

  it('the C driver exercises every procedure and error', async () => {
    const r = await tool(driver, [url(), 'all'], 120_000)
    expect(r.stdout).not.toContain('FAIL')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('ok readdir-paging')
  })

  it('file handles survive a server restart and a rename before it', async () => {
    await repo.branch('main').set(['keep', 'me.txt'], enc('kept\n'))
    const handle = (await tool(driver, [url(), 'handle', '/keep/me.txt'])).stdout.trim()
    expect(handle).toMatch(/^[0-9a-f]{2,128}$/)
    expect(handle.length).toBeLessThanOrEqual(128)
    const renamed = await tool(driver, [url(), 'handle', '/readme.txt'])
    const readmeHandle = renamed.stdout.trim()
    const mv = await tool('nfs-ls', [url()]) // a client session between, as in life
    expect(mv.status).toBe(0)
    await server.close()
    // The rename happens over NFS in the next server, then that one restarts too.
    server = await startNfsServer({ repo, port: 0, mountPort: 0, idleMs: 200 })
    expect((await tool(driver, [url(), 'getattr', handle])).stdout.trim()).toBe('status 0 size 5')
    const dirHandle = (await tool(driver, [url(), 'handle', '/keep'])).stdout.trim()
    expect(dirHandle).toMatch(/^[0-9a-f]+$/)
    await renameOverNfs('/readme.txt', '/keep/renamed.txt')
    await server.close()
    server = await startNfsServer({ repo, port: 0, mountPort: 0, idleMs: 200 })
    expect((await tool(driver, [url(), 'getattr', readmeHandle])).stdout.trim()).toBe('status 0 size 14')
    expect((await tool(driver, [url(), 'getattr', handle])).stdout.trim()).toBe('status 0 size 5')
    await repo.branch('main').remove(['keep', 'me.txt'])
    expect((await tool(driver, [url(), 'getattr', handle])).stdout.trim()).toMatch(/^status 70 /)
  })

  it('a read-only export of an older commit serves that commit and refuses changes (ROFS)', async () => {
    const old = await startNfsServer({ repo, commit: firstCommit, port: 0, mountPort: 0 })
    try {
      const u = (p = '') => nfsUrl(old.port, old.mountPort, p)
      expect((await tool('nfs-cat', [u('/readme.txt')])).stdout).toBe('first version\n')
      const ls = await tool('nfs-ls', [u('/src')])
      expect(ls.stdout).not.toContain('upload.bin')
      const r = await tool(driver, [u(), 'rofs'])
      expect(r.stdout).not.toContain('FAIL')
      expect(r.status).toBe(0)
    } finally {
      await old.close()
    }
  })

  async function renameOverNfs(from: string, to: string): Promise<void> {
    // libnfs-utils has no mv: the driver's rename is the C API's nfs_rename.
    const r = await tool(driver, [url(), 'rename', from, to])
    expect(r.stdout.trim()).toBe('ok rename')
  }
})
