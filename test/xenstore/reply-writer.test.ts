/**
 * Replies encoded into a reused buffer (xenstore/reply-writer.ts): one write per connection per
 * batch, the buffer reused when the socket took the bytes at once and never while a socket still
 * holds them; over a real socket, a client that reads its replies late (while others' changes fire
 * events at it) gets every reply intact and in order.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { XsClient } from '../../xenstore/client.js'
import { type ReplySink, ReplyWriter } from '../../xenstore/reply-writer.js'
import { encodeMessage, FrameReader, type Message, strings, XS } from '../../xenstore/wire.js'
import { type RunningDaemon, startDaemon } from '../helpers/xenstore-daemon.js'

/** A sink noting each write (a copy) and the buffer it came in; `keeps` says it holds on to them. */
function sink(keeps = false) {
  const writes: Array<{ bytes: Uint8Array; view: Buffer }> = []
  const s: ReplySink & { writes: typeof writes; keeps: boolean } = {
    writes,
    keeps,
    write: bytes => {
      writes.push({ bytes: Uint8Array.from(bytes), view: bytes })
      return s.keeps
    },
  }
  return s
}

const text = (m: Message) => new TextDecoder('latin1').decode(m.payload)

test('one write per connection per batch, in order; the buffer is reused once the socket took the bytes', () => {
  const writer = new ReplyWriter()
  const a = sink()
  writer.startBatch()
  writer.message(a, XS.READ, 1, 0, 'one')
  writer.message(a, XS.READ, 2, 0, new Uint8Array([0x74, 0x77, 0x6f]))
  expect(a.writes).toEqual([])
  writer.endBatch()
  expect(a.writes.length).toBe(1)
  const messages = new FrameReader().push(a.writes[0]!.bytes)
  expect(messages.map(m => [m.reqId, text(m)])).toEqual([
    [1, 'one'],
    [2, 'two'],
  ])
  writer.startBatch()
  writer.message(a, XS.WRITE, 3, 7, strings('OK'))
  writer.endBatch()
  expect(a.writes[1]!.view.buffer).toBe(a.writes[0]!.view.buffer)
  expect(a.writes[1]!.view.byteOffset).toBe(a.writes[0]!.view.byteOffset)
  expect(a.writes[1]!.bytes).toEqual(Uint8Array.from(encodeMessage(XS.WRITE, 3, 7, strings('OK'))))
})

test('bytes a socket still holds are never overwritten: the next replies go to a new buffer', () => {
  const writer = new ReplyWriter()
  const slow = sink(true)
  writer.startBatch()
  writer.message(slow, XS.READ, 1, 0, 'kept')
  writer.endBatch()
  const held = slow.writes[0]!.view
  slow.keeps = false
  writer.startBatch()
  writer.message(slow, XS.READ, 2, 0, 'next')
  writer.endBatch()
  expect(slow.writes[1]!.view.buffer).not.toBe(held.buffer)
  expect(Uint8Array.from(held)).toEqual(Uint8Array.from(encodeMessage(XS.READ, 1, 0, 'kept')))
})

test("replies and events for several connections interleaved: each gets its own, whole, in order; outside a batch they leave by the next microtask", async () => {
  const writer = new ReplyWriter()
  const a = sink()
  const b = sink()
  writer.startBatch()
  writer.message(a, XS.WRITE, 1, 0, strings('OK'))
  writer.message(b, XS.WATCH_EVENT, 0, 0, strings('/x', 'tb'))
  writer.message(a, XS.WATCH_EVENT, 0, 0, strings('/x', 'ta'))
  writer.message(b, XS.READ, 9, 0, 'v'.repeat(4096))
  for (let i = 0; i < 40; i++) writer.message(a, XS.READ, 100 + i, 0, 'x'.repeat(4000)) // past one buffer
  writer.endBatch()
  const got = (s: ReturnType<typeof sink>) => {
    const reader = new FrameReader()
    return s.writes.flatMap(w => reader.push(w.bytes)).map(m => [m.type, m.reqId, m.payload.length])
  }
  expect(got(a)).toEqual([[XS.WRITE, 1, 3], [XS.WATCH_EVENT, 0, 6], ...Array.from({ length: 40 }, (_, i) => [XS.READ, 100 + i, 4000])])
  expect(got(b)).toEqual([
    [XS.WATCH_EVENT, 0, 6],
    [XS.READ, 9, 4096],
  ])
  writer.message(b, XS.WATCH_EVENT, 0, 0, strings('/y', 'tb'))
  const before = b.writes.length
  await Promise.resolve()
  expect(b.writes.length).toBe(before + 1)
})

let daemon: RunningDaemon
beforeAll(async () => {
  daemon = await startDaemon()
})
afterAll(async () => {
  await daemon?.stop()
})

test('a client that reads late gets every reply and event intact and in order, while others are served', async () => {
  const value = 'v'.repeat(4000)
  const other = await XsClient.connect(daemon.socket)
  await other.write('/late/big', value)
  const socket = connect(daemon.socket)
  const reader = new FrameReader()
  const messages: Message[] = []
  let arrived = () => {}
  socket.on('data', chunk => {
    messages.push(...reader.push(chunk))
    arrived()
  })
  const until = (count: number) =>
    new Promise<void>(resolve => {
      arrived = () => messages.length >= count && resolve()
      arrived()
    })
  socket.write(encodeMessage(XS.WATCH, 1, 0, strings('/late/w', 'tok')))
  await until(2) // OK and the registration's event
  socket.pause() // from now on its replies pile up in the daemon's socket queue
  const requests: Buffer[] = []
  for (let i = 2; i <= 1500; i++) requests.push(Buffer.from(encodeMessage(XS.READ, i, 0, strings('/late/big'))))
  socket.write(Buffer.concat(requests))
  for (let i = 0; i < 50; i++) expect((await other.write('/late/w', `${i}`)).error).toBeUndefined()
  socket.resume()
  await until(1500 + 51)
  const replies = messages.filter(m => m.type !== XS.WATCH_EVENT)
  expect(replies.map(m => m.reqId)).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1))
  expect(replies.slice(1).every(m => text(m) === value)).toBe(true)
  const events = messages.filter(m => m.type === XS.WATCH_EVENT).map(text)
  expect(events.length).toBe(51) // the registration's, then one per write
  expect(events.every(e => e === strings('/late/w', 'tok'))).toBe(true)
  socket.destroy()
  await other.close()
}, 60_000)
