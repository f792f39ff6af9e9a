/**
 * `irmin xenstored` as a process: history (one commit per write or transaction, naming the
 * operation and the domain), persistence across restarts, a past state served read-only; and
 * garbage collection running beside the daemon's writers, fsck clean after.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, expect, test } from 'vitest'
import { XsClient } from '../../xenstore/client.js'
import { ensureBuilt, irmin, startIrmin } from '../helpers/irmin-cli.js'
import { startDaemon } from '../helpers/xenstore-daemon.js'

beforeAll(ensureBuilt, 300_000)

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

async function runDaemon(root: string, socket: string, extra: string[] = []) {
  const daemon = startIrmin(['--root', root, 'xenstored', '--socket', socket, '--domain-sockets', join(root, '..', 'doms'), ...extra])
  await daemon.waitForLine(line => line.startsWith('irmin xenstored:'), 30_000)
  return daemon
}

test('history, restart and a past state read back', async () => {
  const dir = tempDir('irmin-xs-cli-')
  const root = join(dir, 'store')
  const socket = join(dir, 'sock')
  let daemon = await runDaemon(root, socket)
  let c = await XsClient.connect(socket)
  await c.write('/vm/1/state', 'running')
  const tx = await c.start()
  await c.write('/vm/1/state', 'paused', tx)
  await c.rm('/vm/1/gone', tx)
  await c.end(tx)
  await c.close()
  expect(await daemon.stop()).toBe(0)

  const log = await irmin(['--root', root, '--branch', 'xenstore', 'log', '--oneline'])
  const messages = log.stdout.trim().split('\n').map(line => line.slice(8).replace('(xenstore) ', ''))
  expect(messages).toEqual(['transaction 1: WRITE /vm/1/state; RM /vm/1/gone (dom0)', 'WRITE /vm/1/state (dom0)', 'xenstored: create the root'])
  const full = await irmin(['--root', root, '--branch', 'xenstore', 'log', '-n', '1'])
  expect(full.stdout).toMatch(/Author: dom0 <dom0@xenstore>/)
  const older = (await irmin(['--root', root, '--branch', 'xenstore', 'log', '--oneline'])).stdout.split('\n')[1]!.slice(0, 7)

  daemon = await runDaemon(root, socket)
  c = await XsClient.connect(socket)
  expect((await c.read('/vm/1/state')).text).toBe('paused')
  await c.write('/vm/1/state', 'stopped')
  await c.close()
  expect(await daemon.stop()).toBe(0)

  daemon = await runDaemon(root, socket, ['--read-only', '--at', older])
  c = await XsClient.connect(socket)
  expect((await c.read('/vm/1/state')).text).toBe('running')
  expect((await c.write('/vm/1/state', 'x')).error).toBe('EROFS')
  const t = await c.start()
  expect((await c.read('/vm/1/state', t)).text).toBe('running')
  expect((await c.write('/vm/1/state', 'x', t)).error).toBe('EROFS')
  await c.close()
  expect(await daemon.stop()).toBe(0)

  expect((await irmin(['--root', root, '--branch', 'xenstore', 'log', '--oneline'])).stdout.trim().split('\n')).toHaveLength(4)
  expect((await irmin(['--root', root, 'xenstored', '--socket', socket, '--at', older])).stderr).toMatch(/--read-only and --at COMMIT go together/)
}, 120_000)

test('a crash (SIGKILL) loses only the last moments: what was acknowledged a while before is there, fsck clean', async () => {
  const dir = tempDir('irmin-xs-crash-')
  const root = join(dir, 'store')
  const socket = join(dir, 'sock')
  let daemon = await runDaemon(root, socket)
  let c = await XsClient.connect(socket)
  for (let i = 0; i < 50; i++) expect((await c.write(`/crash/k${i}`, `v${i}`)).error).toBeUndefined()
  await new Promise(resolve => setTimeout(resolve, 1000)) // far past the 14 ms batches and their sync
  for (let i = 0; i < 50; i++) void c.write(`/crash/late${i}`, 'x') // may or may not survive
  daemon.child.kill('SIGKILL')
  await c.closed
  await daemon.stop()
  expect((await irmin(['--root', root, 'fsck'])).status).toBe(0)
  daemon = await runDaemon(root, socket)
  c = await XsClient.connect(socket)
  for (let i = 0; i < 50; i++) expect((await c.read(`/crash/k${i}`)).text).toBe(`v${i}`)
  await c.close()
  expect(await daemon.stop()).toBe(0)
}, 120_000)

test('GC beside the daemon: writers and transactions keep going, nothing they reach is lost, fsck is clean', async () => {
  const daemon = await startDaemon()
  const clients = await Promise.all([0, 1, 2].map(() => XsClient.connect(daemon.socket)))
  const expected = new Map<string, string>()
  let stop = false
  const writers = clients.map(async (c, w) => {
    for (let i = 0; !stop; i++) {
      const path = `/gc/w${w}/k${i % 20}`
      if (i % 3 === 0) {
        const tx = await c.start()
        await c.read(path, tx)
        await c.write(path, `t${i}`, tx)
        if ((await c.end(tx)).error === undefined) expected.set(path, `t${i}`)
      } else {
        await c.write(path, `v${i}`)
        expected.set(path, `v${i}`)
      }
      if (i % 7 === 0) {
        await c.rm(`/gc/w${w}/k${(i + 5) % 20}`)
        expected.delete(`/gc/w${w}/k${(i + 5) % 20}`)
      }
    }
  })
  let collections = 0
  let removed = 0
  for (const keepCommits of [undefined, 5, 1, 3]) {
    await new Promise(resolve => setTimeout(resolve, 150))
    removed += (await daemon.repo.gc(keepCommits === undefined ? {} : { keepCommits })).removed
    collections++
  }
  stop = true
  await Promise.all(writers)
  expect(collections).toBe(4)
  expect(removed).toBeGreaterThan(0) // old history really went
  for (const [path, value] of expected) expect((await clients[0]!.read(path)).text).toBe(value)
  for (const c of clients) await c.close()
  // The last changes' commits first (built every 14 ms): fsck lists the objects, then reads the
  // refs, so a commit landing in between would read as a ref naming a missing object.
  await daemon.server.daemon.idle()
  await daemon.backend.flush()
  const check = await daemon.repo.fsck()
  expect(check.damage).toEqual([])
  await daemon.stop()
}, 120_000)
