/**
 * The Node floor for the Xenstore benchmark: a server on a Unix socket that answers every request
 * at once (READ: a fixed value; anything else: `OK`, TRANSACTION_START: id 1) and does nothing
 * else. What it reaches is what Node's socket handling alone allows a Node daemon on this
 * machine, to read irminsule's figures against (bench/suites/xenstore.ts runs it beside the others).
 * It reads and writes as the daemon does (xenstore/server.ts): each connection reads into one
 * reused buffer (net's `onread`, on the accepted socket's handle), the replies to one read are
 * encoded into one reused buffer (xenstore/reply-writer.ts) and leave in one write.
 */
import { createServer, Socket } from 'node:net'

const OK = Buffer.from('OK\0', 'latin1')
const VALUE = Buffer.from('initial', 'latin1')
const TX = Buffer.from('1\0', 'latin1')

export function serveFloor(socket: string): Promise<() => Promise<void>> {
  const input = Buffer.allocUnsafe(64 * 1024)
  let output = Buffer.allocUnsafeSlow(64 * 1024)
  const server = createServer({ pauseOnConnect: true }, accepted => {
    let pending: Buffer | undefined
    const answer = (length: number) => {
      let buffer = input.subarray(0, length)
      if (pending) buffer = Buffer.concat([pending, buffer])
      let offset = 0
      let used = 0
      while (buffer.length - offset >= 16) {
        const len = buffer.readUInt32LE(offset + 12)
        if (buffer.length - offset < 16 + len) break
        const type = buffer.readUInt32LE(offset)
        const body = type === 2 ? VALUE : type === 6 ? TX : OK
        if (used + 16 + body.length > output.length) output = Buffer.concat([output.subarray(0, used), Buffer.allocUnsafeSlow(output.length)])
        buffer.copy(output, used, offset, offset + 12)
        output.writeUInt32LE(body.length, used + 12)
        body.copy(output, used + 16)
        used += 16 + body.length
        offset += 16 + len
      }
      pending = offset < buffer.length ? Buffer.from(buffer.subarray(offset)) : undefined
      if (used === 0) return
      // Behind unsent bytes, a copy; the reused buffer is replaced when the socket keeps it.
      const queued = conn.writableLength > 0
      conn.write(queued ? Buffer.from(output.subarray(0, used)) : output.subarray(0, used))
      if (!queued && conn.writableLength > 0) output = Buffer.allocUnsafeSlow(output.length)
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
