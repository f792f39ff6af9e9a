/**
 * Bad input: malformed and random frames, oversized payloads, missing NULs, bad transaction ids,
 * unknown types, disconnects mid-frame and mid-transaction, a flood from one connection. Each
 * gets an error reply, or only the offending connection is closed; every other connection keeps
 * being served and nothing committed is lost.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { XsClient } from '../../xenstore/client.js'
import { SocketInUseError } from '../../xenstore/errors.js'
import { XenstoreServer } from '../../xenstore/server.js'
import { encodeMessage, PAYLOAD_MAX, strings, XS } from '../../xenstore/wire.js'
import { type RunningDaemon, startDaemon } from '../helpers/xenstore-daemon.js'

let daemon: RunningDaemon
let bystander: XsClient

beforeAll(async () => {
  daemon = await startDaemon()
  bystander = await XsClient.connect(daemon.socket)
  await bystander.write('/kept/value', 'committed')
})
afterAll(async () => {
  await bystander?.close()
  await daemon?.stop()
})

function raw(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(daemon.socket)
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

const closed = (socket: Socket) => new Promise<void>(resolve => (socket.destroyed ? resolve() : socket.once('close', () => resolve())))

async function stillServing(): Promise<void> {
  expect((await bystander.read('/kept/value')).text).toBe('committed')
}

test('a payload longer than 4096 bytes closes that connection only', async () => {
  const socket = await raw()
  socket.on('error', () => {})
  const header = encodeMessage(XS.WRITE, 1, 0, '').slice(0, 16)
  new DataView(header.buffer).setUint32(12, PAYLOAD_MAX + 1, true)
  socket.write(header)
  await closed(socket)
  await stillServing()
  const big = await XsClient.connect(daemon.socket)
  expect((await big.write('/kept/full', 'x'.repeat(PAYLOAD_MAX - '/kept/full'.length - 1))).error).toBeUndefined()
  await big.close()
})

test('missing NULs, wrong argument counts, unknown types and transaction ids are error replies on a connection that stays open', async () => {
  const c = await XsClient.connect(daemon.socket)
  expect((await c.request(XS.READ, '/kept/value')).error).toBe('EINVAL')
  expect((await c.request(XS.WATCH, strings('/kept'))).error).toBe('EINVAL')
  expect((await c.request(XS.INTRODUCE, strings('1', '2'))).error).toBe('EINVAL')
  expect((await c.request(XS.WRITE, '')).error).toBe('EINVAL')
  expect((await c.request(XS.WATCH_EVENT, strings('/kept', 't'))).error).toBe('ENOSYS')
  expect((await c.request(0xffff, '')).error).toBe('ENOSYS')
  expect((await c.request(XS.READ, strings('/kept/value'), 0xffffffff)).error).toBe('ENOENT')
  expect((await c.request(XS.TRANSACTION_END, strings('T'), 77)).error).toBe('ENOENT')
  expect((await c.read('/kept/value')).text).toBe('committed')
  await c.close()
})

test('random frames: error replies or a closed connection, never a stopped daemon', async () => {
  let seed = 42
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0)
  for (let round = 0; round < 200; round++) {
    const socket = await raw()
    socket.on('error', () => {})
    socket.on('data', () => {})
    const frames: Uint8Array[] = []
    for (let i = 0; i < 5; i++) {
      const body = Uint8Array.from({ length: next() % 64 }, () => next() & 0xff)
      const frame = encodeMessage(next() % 30, next(), next() % 3 === 0 ? next() : 0, body)
      if (next() % 4 === 0) new DataView(frame.buffer).setUint32(12, next() % 10_000, true) // a lying length
      frames.push(frame)
    }
    socket.end(Buffer.concat(frames))
    await closed(socket)
  }
  await daemon.server.daemon.idle()
  await stillServing()
})

test('disconnects mid-frame and mid-transaction lose nothing committed and commit nothing open', async () => {
  const half = await raw()
  half.write(encodeMessage(XS.WRITE, 1, 0, strings('/kept/half')).slice(0, 20))
  half.destroy()
  const c = await XsClient.connect(daemon.socket)
  const tx = await c.start()
  await c.write('/kept/uncommitted', 'x', tx)
  c.socket.destroy()
  await c.closed
  await daemon.server.daemon.idle()
  expect((await bystander.read('/kept/uncommitted')).error).toBe('ENOENT')
  expect((await bystander.read('/kept/half')).error).toBe('ENOENT')
  await stillServing()
})

test('a flooding connection delays only itself; one that never reads its replies is closed', async () => {
  const flood = await raw()
  flood.on('error', () => {})
  flood.pause() // never reads: its replies pile up
  const request = encodeMessage(XS.READ, 1, 0, strings('/kept/full'))
  const burst = Buffer.concat(Array.from({ length: 2000 }, () => request))
  const floodClosed = closed(flood)
  let sending = true
  void (async () => {
    while (sending && !flood.destroyed) {
      if (!flood.write(burst)) await new Promise(resolve => setTimeout(resolve, 1))
      await new Promise(resolve => setImmediate(resolve))
    }
  })()
  const latencies: number[] = []
  for (let i = 0; i < 20; i++) {
    const t = performance.now()
    await stillServing()
    latencies.push(performance.now() - t)
  }
  await floodClosed
  sending = false
  expect(Math.max(...latencies)).toBeLessThan(1000)
  await stillServing()
}, 60_000)

test("a second daemon on a socket that answers is refused; the first keeps serving", async () => {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
  await expect(XenstoreServer.start({ repo, socket: daemon.socket })).rejects.toThrow(SocketInUseError)
  await repo.close()
  await stillServing()
})
