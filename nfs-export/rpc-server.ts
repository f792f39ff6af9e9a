/**
 * An ONC RPC server over TCP: reassembles records, decodes call headers, dispatches to the
 * registered programs and writes replies. Calls on one connection run one at a time, in order
 * (a WRITE then a COMMIT from one client apply in that order). A connection that sends an
 * oversized record is closed; one whose calls fail to decode gets GARBAGE_ARGS; neither
 * disturbs other connections.
 */
import { createServer, type Server, Socket } from 'node:net'
import { GarbageArgsError, RecordTooLargeError } from './errors.js'
import { acceptedReply, acceptedReplyWithTail, decodeCall, RecordDecoder, GARBAGE_ARGS, PROC_UNAVAIL, PROG_MISMATCH, PROG_UNAVAIL, type RpcCall, SUCCESS, SYSTEM_ERR } from './rpc.js'
import type { XdrWriter } from './xdr.js'

/** A procedure: reads its arguments from `call.args`, writes its results. */
export type Procedure = (call: RpcCall) => Promise<ProcedureResult> | ProcedureResult

export interface ProcedureResult {
  write(w: XdrWriter): void
  /** Roughly how many bytes the results take: sizes the reply buffer once. */
  size?: number
  /** Opaque data that ends the results, sent without a copy (`write` writes its length last). */
  tail?: Uint8Array
  /** Called once the reply is handed to the socket (or will never be): `tail` may be lent from a pool. */
  sent?: () => void
}

export interface RpcProgram {
  prog: number
  vers: number
  procs: ReadonlyMap<number, Procedure>
}

export interface RpcServerOptions {
  maxRecord: number
  onError?: (error: unknown) => void
}

export interface RunningRpcServer {
  port: number
  close(): Promise<void>
}

export async function startRpcServer(programs: RpcProgram[], host: string, port: number, options: RpcServerOptions): Promise<RunningRpcServer> {
  const sockets = new Set<Socket>()
  const server = createServer({ pauseOnConnect: true }, accepted => {
    const socket = serveConnection(accepted, programs, options)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await listen(server, host, port)
  const address = server.address()
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>(resolve => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** Bytes of one read from a connection (reused by every read of that connection). */
const READ_BUFFER = 256 << 10

function serveConnection(accepted: Socket, programs: RpcProgram[], options: RpcServerOptions): Socket {
  const decoder = new RecordDecoder(options.maxRecord)
  const queue: Uint8Array[] = []
  let running = false
  const socket = readInto(accepted, Buffer.allocUnsafe(READ_BUFFER), received)
  socket.setNoDelay(true)
  socket.on('error', () => socket.destroy())
  return socket

  function received(chunk: Uint8Array): void {
    let records: Uint8Array[]
    try {
      records = decoder.push(chunk)
    } catch (error) {
      if (error instanceof RecordTooLargeError) {
        options.onError?.(error)
        socket.destroy()
        return
      }
      throw error
    }
    if (records.length === 0) return
    queue.push(...records)
    if (!running) void drain()
  }

  async function drain(): Promise<void> {
    running = true
    // Back-pressure: while replies are queued in the socket, stop reading more calls.
    while (queue.length > 0 && !socket.destroyed) {
      const record = queue.shift()!
      const { reply, sent } = await answer(record, programs, options)
      // Procedures keep nothing of their call's bytes past their answer (a WRITE copies its data).
      decoder.release(record)
      if (!reply || socket.destroyed) sent?.()
      else if (!writeAll(socket, reply, sent)) {
        socket.pause()
        await new Promise<void>(resolve => socket.once('drain', resolve))
        socket.resume()
      }
    }
    running = false
  }
}

/**
 * Writes a reply (one buffer or pieces, corked into one send); false when the socket is full.
 * `sent` runs once the socket has handed the last piece to the kernel, or failed to.
 */
function writeAll(socket: Socket, reply: Uint8Array | Uint8Array[], sent?: () => void): boolean {
  if (!Array.isArray(reply)) return socket.write(reply, sent)
  socket.cork()
  let ok = true
  reply.forEach((piece, i) => (ok = socket.write(piece, i === reply.length - 1 ? sent : undefined) && ok))
  socket.uncork()
  return ok
}

interface Answer {
  reply?: Uint8Array | Uint8Array[]
  sent?: () => void
}

async function answer(record: Uint8Array, programs: RpcProgram[], options: RpcServerOptions): Promise<Answer> {
  const call = decodeCall(record)
  if (call === undefined) return {}
  if (!('prog' in call)) return { reply: call.reply }
  const { xid } = call
  const sameProg = programs.filter(p => p.prog === call.prog)
  if (sameProg.length === 0) return { reply: acceptedReply(xid, PROG_UNAVAIL) }
  const program = sameProg.find(p => p.vers === call.vers)
  if (!program) {
    const versions = sameProg.map(p => p.vers)
    return { reply: acceptedReply(xid, PROG_MISMATCH, w => w.u32(Math.min(...versions)).u32(Math.max(...versions))) }
  }
  const procedure = program.procs.get(call.proc)
  if (!procedure) return { reply: acceptedReply(xid, PROC_UNAVAIL) }
  try {
    const result = await procedure(call)
    if (result.tail) return { reply: acceptedReplyWithTail(xid, w => result.write(w), result.tail), sent: result.sent }
    return { reply: acceptedReply(xid, SUCCESS, w => result.write(w), result.size), sent: result.sent }
  } catch (error) {
    if (error instanceof GarbageArgsError) return { reply: acceptedReply(xid, GARBAGE_ARGS) }
    options.onError?.(error)
    return { reply: acceptedReply(xid, SYSTEM_ERR) }
  }
}

/**
 * The accepted connection (paused) as a socket that reads into `buffer` and hands each read to
 * `received` (net's `onread`), so a connection makes no Buffer per read: a 100 MB upload read in
 * fresh 64 KiB Buffers paid a page fault per 4 KiB. `onread` is an option of the Socket
 * constructor only, so the accepted handle moves into a new Socket; without a handle (another
 * runtime), `data` events serve instead.
 */
function readInto(accepted: Socket, buffer: Buffer, received: (chunk: Uint8Array) => void): Socket {
  const handle = (accepted as unknown as { _handle?: unknown })._handle
  if (handle === undefined || handle === null) {
    accepted.on('data', received)
    accepted.resume()
    return accepted
  }
  const socket = new Socket({ handle, onread: { buffer, callback: (length: number) => void received(buffer.subarray(0, length)) } } as never)
  // The server counts the accepted socket among its connections, and `server.close` waits for
  // it: it goes (with no handle of its own now) when the socket that took its handle closes.
  ;(accepted as unknown as { _handle: unknown })._handle = null
  socket.once('close', () => accepted.destroy())
  socket.resume()
  return socket
}
