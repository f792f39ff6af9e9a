/**
 * The Node floor for the Xenstore benchmark: a server on a Unix socket that answers every request
 * at once (READ: a fixed value; anything else: `OK`, TRANSACTION_START: id 1) and does nothing
 * else. What it reaches is what Node's socket handling alone allows a Node daemon on this
 * machine, to read irminsule's figures against (bench/suites/xenstore.ts runs it beside the others).
 * It reads and writes as the daemon does (xenstore/server.ts): each connection reads into one
 * reused buffer (net's `onread`, on the accepted socket's handle), the replies to one read leave
 * in one write.
 */
import { createServer, Socket } from 'node:net'

const OK = Buffer.from('OK\0', 'latin1')
const VALUE = Buffer.from('initial', 'latin1')
const TX = Buffer.from('1\0', 'latin1')

export function serveFloor(socket: string): Promise<() => Promise<void>> {
  const input = Buffer.allocUnsafe(64 * 1024)
  const server = createServer({ pauseOnConnect: true }, accepted => {
    let pending: Buffer | undefined
    const answer = (length: number) => {
      let buffer = input.subarray(0, length)
      if (pending) buffer = Buffer.concat([pending, buffer])
      const replies: Buffer[] = []
      let offset = 0
      while (buffer.length - offset >= 16) {
        const len = buffer.readUInt32LE(offset + 12)
        if (buffer.length - offset < 16 + len) break
        const type = buffer.readUInt32LE(offset)
        const body = type === 2 ? VALUE : type === 6 ? TX : OK
        const reply = Buffer.allocUnsafeSlow(16 + body.length)
        buffer.copy(reply, 0, offset, offset + 12)
        reply.writeUInt32LE(body.length, 12)
        body.copy(reply, 16)
        replies.push(reply)
        offset += 16 + len
      }
      pending = offset < buffer.length ? Buffer.from(buffer.subarray(offset)) : undefined
      if (replies.length === 1) conn.write(replies[0]!)
      else if (replies.length > 1) conn.write(Buffer.concat(replies))
    }
    const handle = (accepted as unknown as { _handle: unknown })._handle
    const conn = new Socket({ handle, onread: { buffer: input, callback: answer } } as never)
    conn.resume()
    conn.on('error', () => {})
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(socket, () => resolve(() => new Promise(done => server.close(() => done()))))
  })
}

// Run as a process of its own: `tsx bench/xenstore-floor.ts SOCKET`.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await serveFloor(process.argv[2]!)
