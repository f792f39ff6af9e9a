/**
 * The daemon on Unix sockets. Connections on the main socket act as dom0. With `domainSockets`
 * set, introducing domain N (INTRODUCE) opens `DIR/N`, whose connections act as domain N, until
 * RELEASE: Xen's shared-ring transport, replaced by one socket per guest, so that tests (and
 * Debian's tools, via XENSTORED_PATH) can act as another domain.
 *
 * A connection that sends a frame the protocol cannot resynchronise after (a header announcing
 * more than 4096 bytes) is closed; all others keep being served. A connection with a full queue
 * of requests is not read from until it drains; one that does not read its replies (more than
 * `OUTPUT_MAX` bytes waiting) is closed.
 */
import { existsSync, mkdirSync, unlinkSync } from 'node:fs'
import { connect, createServer, type Server, Socket } from 'node:net'
import { join } from 'node:path'
import { XenstoreDaemon, type DaemonOptions } from './daemon.js'
import { SocketInUseError } from './errors.js'
import { ReplyWriter, type ReplySink } from './reply-writer.js'
import { FrameReader } from './wire.js'

export const OUTPUT_MAX = 16 * 1024 * 1024

export interface ServerOptions extends Omit<DaemonOptions, 'onIntroduce' | 'onRelease'> {
  readonly socket: string
  /** A directory for per-domain sockets (see above); none by default. */
  readonly domainSockets?: string
}

export class XenstoreServer {
  private readonly listeners = new Map<number, Server>()
  private readonly sockets = new Set<Socket>()
  /** What every connection reads into (the frames are copied out at once: see `readInto`). */
  private readonly input = Buffer.allocUnsafe(64 * 1024)
  /** What every connection's replies are encoded into (see reply-writer.ts). */
  private readonly replies = new ReplyWriter()

  private constructor(
    private readonly options: ServerOptions,
    readonly daemon: XenstoreDaemon,
  ) {}

  static async start(options: ServerOptions): Promise<XenstoreServer> {
    let server: XenstoreServer | undefined
    const daemon = await XenstoreDaemon.open({
      ...options,
      onIntroduce: domid => void server?.listenFor(domid, join(options.domainSockets!, String(domid))).catch(() => {}),
      onRelease: domid => server?.stopListening(domid),
    })
    server = new XenstoreServer(options, daemon)
    if (options.domainSockets !== undefined) mkdirSync(options.domainSockets, { recursive: true })
    await server.listenFor(0, options.socket)
    return server
  }

  /** The socket path domain `domid` connects to. */
  socketOf(domid: number): string {
    return domid === 0 ? this.options.socket : join(this.options.domainSockets ?? '', String(domid))
  }

  private async listenFor(domid: number, path: string): Promise<void> {
    if (domid !== 0 && this.options.domainSockets === undefined) return
    if (existsSync(path)) {
      if (await answers(path)) throw new SocketInUseError(path)
      unlinkSync(path) // a stale socket of an earlier run
    }
    const server = createServer({ pauseOnConnect: true }, socket => this.accept(domid, socket))
    this.listeners.set(domid, server)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(path, () => resolve())
    })
  }

  private stopListening(domid: number): void {
    const server = this.listeners.get(domid)
    this.listeners.delete(domid)
    server?.close()
    const path = this.socketOf(domid)
    if (existsSync(path)) unlinkSync(path)
  }

  private accept(domid: number, accepted: Socket): void {
    const reader = new FrameReader()
    let socket = accepted
    const sink: ReplySink = {
      write: bytes => {
        if (socket.destroyed) return false
        // Behind bytes the socket could not send yet, these wait too: as a copy, so that a client
        // slow to read keeps a few bytes each time rather than whole slabs.
        const queued = socket.writableLength > 0
        socket.write(queued ? Buffer.from(bytes) : bytes)
        if (socket.writableLength > OUTPUT_MAX) socket.destroy()
        return !queued && socket.writableLength > 0
      },
    }
    const { replies } = this
    const session = this.daemon.connect(domid, {
      send: (type, reqId, txId, payload) => replies.message(sink, type, reqId, txId, payload),
      close: () => socket.destroy(),
    })
    const received = (chunk: Uint8Array): void => {
      let messages
      try {
        messages = reader.push(chunk)
      } catch {
        this.daemon.disconnect(session)
        return
      }
      // The replies to the requests of one read leave in one write.
      replies.startBatch()
      try {
        for (const message of messages) if (!this.daemon.receive(session, message)) socket.pause()
      } finally {
        replies.endBatch()
      }
    }
    socket = readInto(accepted, this.input, received)
    this.sockets.add(socket)
    session.resume = () => socket.resume()
    socket.on('error', () => {})
    socket.on('close', () => {
      this.sockets.delete(socket)
      this.daemon.disconnect(session)
    })
  }

  /** Stops listening, answers what is queued, closes every connection. */
  async close(): Promise<void> {
    for (const domid of [...this.listeners.keys()]) this.stopListening(domid)
    await this.daemon.close()
    for (const socket of this.sockets) socket.destroy()
  }
}

/**
 * The accepted connection (paused) as a socket that reads into `buffer` and hands each read to
 * `received` (net's `onread`): no Buffer made per read and no stream machinery (some 3 µs of CPU
 * a request, measured on the benchmark's Node floor). `onread` is an option of the Socket
 * constructor only, which the server calls itself, so the accepted socket's handle is taken over
 * by a new Socket (the server's connection count then no longer falls as connections close:
 * nothing here waits on it); without a handle to take (another runtime), the socket's `data`
 * events serve instead.
 */
function readInto(accepted: Socket, buffer: Buffer, received: (chunk: Uint8Array) => void): Socket {
  const handle = (accepted as unknown as { _handle?: unknown })._handle
  if (handle === undefined || handle === null) {
    accepted.on('data', received)
    accepted.resume()
    return accepted
  }
  const socket = new Socket({ handle, onread: { buffer, callback: (length: number) => void received(buffer.subarray(0, length)) } } as never)
  socket.resume()
  return socket
}

/** Whether something accepts connections on the Unix socket `path`. */
export function answers(path: string): Promise<boolean> {
  return new Promise(resolve => {
    const probe = connect(path)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
}
