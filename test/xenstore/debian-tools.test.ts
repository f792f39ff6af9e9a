/**
 * Debian's own clients against `irmin xenstored`'s daemon: xenstore-utils (write, read, ls,
 * list, rm, chmod, exists, watch) with their outputs checked, and Debian's test-xenstore.
 */
import { spawn } from 'node:child_process'
import { XsClient } from '../../xenstore/client.js'
import { strings, XS } from '../../xenstore/wire.js'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { debianTool, ensurePeers, PEER_LIBS, runWith, TEST_XENSTORE } from '../../tools/xenstore-peers.js'
import { type RunningDaemon, startDaemon } from '../helpers/xenstore-daemon.js'

let daemon: RunningDaemon
const tool = (name: string, ...args: string[]) => runWith(daemon.socket, debianTool(name), args)

beforeAll(async () => {
  debianTool('xenstore-read')
  daemon = await startDaemon()
})
afterAll(() => daemon?.stop())

describe('xenstore-utils', () => {
  test('write, read, exists, list, ls', async () => {
    expect((await tool('xenstore-write', '/vm/1/name', 'guest one', '/vm/1/memory', '512')).status).toBe(0)
    expect(await tool('xenstore-read', '/vm/1/name')).toMatchObject({ status: 0, stdout: 'guest one\n' })
    expect((await tool('xenstore-read', '/vm/1/nothing')).status).not.toBe(0)
    expect((await tool('xenstore-exists', '/vm/1/memory')).status).toBe(0)
    expect((await tool('xenstore-exists', '/vm/2')).status).not.toBe(0)
    expect((await tool('xenstore-list', '/vm/1')).stdout).toBe('memory\nname\n')
    expect((await tool('xenstore-ls', '/vm')).stdout).toBe('1 = ""\n memory = "512"\n name = "guest one"\n')
  })

  test('chmod sets what ls -p shows; rm removes a subtree', async () => {
    await tool('xenstore-write', '/perm/node', 'x')
    expect((await tool('xenstore-chmod', '/perm/node', 'n0', 'r5', 'b7')).status).toBe(0)
    expect((await tool('xenstore-ls', '-p', '/perm')).stdout).toMatch(/^node = "x" \.[ .]*\(n0,r5,b7\)\n$/)
    expect((await tool('xenstore-rm', '/perm')).status).toBe(0)
    expect((await tool('xenstore-exists', '/perm/node')).status).not.toBe(0)
    expect((await tool('xenstore-exists', '/perm')).status).not.toBe(0)
  })

  test('xenstore-watch prints the registration event, then each change below the path', async () => {
    const watch = spawn(debianTool('xenstore-watch'), ['/watched'], { env: { ...process.env, XENSTORED_PATH: daemon.socket } })
    let output = ''
    watch.stdout.on('data', chunk => (output += chunk))
    const seen = async (line: string) => {
      for (let i = 0; i < 100 && !output.split('\n').includes(line); i++) await new Promise(resolve => setTimeout(resolve, 20))
      expect(output.split('\n')).toContain(line)
    }
    try {
      await seen('/watched')
      await tool('xenstore-write', '/watched/a', '1')
      await seen('/watched/a')
      await tool('xenstore-write', '/elsewhere', '1')
      await tool('xenstore-rm', '/watched/a')
      await tool('xenstore-write', '/watched/b/c', '2')
      await seen('/watched/b/c')
      expect(output).toBe('/watched\n/watched/a\n/watched/a\n/watched/b/c\n')
    } finally {
      watch.kill()
    }
  })

  test('as a guest: after INTRODUCE, the tools on the domain socket act as that domain', async () => {
    const dom0 = await XsClient.connect(daemon.socket)
    await dom0.request(XS.INTRODUCE, strings('12', '1', '1'))
    await dom0.write('/local/domain/12/name', 'guest')
    await dom0.setPerms('/local/domain/12', ['n12'])
    await dom0.write('/dom0-only', 'secret')
    const guest = (name: string, ...args: string[]) => runWith(daemon.socketOf(12), debianTool(name), args)
    expect((await guest('xenstore-write', 'data/ip', '10.0.0.12')).status).toBe(0) // relative: under its home
    expect((await tool('xenstore-read', '/local/domain/12/data/ip')).stdout).toBe('10.0.0.12\n')
    expect((await guest('xenstore-read', '/dom0-only')).status).not.toBe(0)
    expect((await guest('xenstore-ls', '-p', '/local/domain/12/data')).stdout).toMatch(/^ip = "10\.0\.0\.12" [ .]*\(n12\)\n$/)
    await dom0.close()
  })
})

describe("Debian's test-xenstore", () => {
  test('every test passes', async () => {
    await ensurePeers()
    const result = await runWith(daemon.socket, TEST_XENSTORE, [], { LD_LIBRARY_PATH: PEER_LIBS })
    expect(result.stdout).not.toMatch(/failed/)
    expect(result.stdout.trim().split('\n')).toHaveLength(12)
    expect(result.status).toBe(0)
  })

  test('random mode for two seconds', async () => {
    const result = await runWith(daemon.socket, TEST_XENSTORE, ['-r', '2'], { LD_LIBRARY_PATH: PEER_LIBS })
    expect(result.stdout).not.toMatch(/failed/)
    expect(result.status).toBe(0)
  })
})
