/**
 * `--portmap`: the export registers NFS v3 and MOUNT v3 with a running rpcbind, so a client that
 * knows no ports (libnfs asks port 111, as the kernel does) finds it; closing unregisters.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, registerWithRpcbind, Repo, startNfsServer, type NfsServer } from '../../index.js'
import { requireNfsTools, tool } from '../../tools/nfs-tools.js'

function rpcinfo(): string {
  return execFileSync('rpcinfo', ['-p', '127.0.0.1'], { encoding: 'utf8' })
}

/** A running rpcbind (started when none answers: CI runs as root). */
function ensureRpcbind(): void {
  if (spawnSync('rpcinfo', ['-p', '127.0.0.1']).status === 0) return
  const started = spawnSync('rpcbind', ['-w'])
  if (started.error) throw new Error('the --portmap test needs rpcbind: apt-get install rpcbind')
  for (let i = 0; i < 50 && spawnSync('rpcinfo', ['-p', '127.0.0.1']).status !== 0; i++) spawnSync('sleep', ['0.1'])
}

describe('registration with rpcbind', () => {
  let repo: Repo<Uint8Array>
  let server: NfsServer

  beforeAll(async () => {
    requireNfsTools()
    ensureRpcbind()
    repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    await repo.branch('main').set(['found-by-portmap.txt'], new TextEncoder().encode('yes'))
    server = await startNfsServer({ repo, port: 0, mountPort: 0 })
  })

  afterAll(async () => {
    await server.close()
    await repo.close()
  })

  it('registers both programs, serves a client that asks rpcbind for the ports, and unregisters', async () => {
    const unregister = await registerWithRpcbind(server.port, server.mountPort)
    try {
      const table = rpcinfo()
      expect(table).toMatch(new RegExp(`100003\\s+3\\s+tcp\\s+${server.port}\\b`))
      expect(table).toMatch(new RegExp(`100005\\s+3\\s+tcp\\s+${server.mountPort}\\b`))
      const r = await tool('nfs-ls', ['nfs://127.0.0.1/export?version=3'])
      expect(r.stdout).toContain('found-by-portmap.txt')
    } finally {
      await unregister()
    }
    expect(rpcinfo()).not.toMatch(new RegExp(`tcp\\s+${server.port}\\b`))
  })
})
