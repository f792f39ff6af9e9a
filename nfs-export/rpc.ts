/**
 * ONC RPC v2 (RFC 5531) messages and record marking, for both the server and the tests.
 *
 * Record marking (RFC 5531 §11): each fragment starts with a 4-byte big-endian mark whose top bit
 * says "last fragment" and whose other 31 bits are the fragment's length; a record is its
 * fragments concatenated. `RecordDecoder` reassembles records from arbitrary TCP chunks and
 * refuses any record past `maxRecord` before buffering it.
 */
import { GarbageArgsError, RecordTooLargeError } from './errors.js'
import { XdrReader, XdrWriter } from './xdr.js'

export const RPC_VERSION = 2
export const CALL = 0
export const REPLY = 1

export const AUTH_NONE = 0
export const AUTH_SYS = 1

/** accept_stat */
export const SUCCESS = 0
export const PROG_UNAVAIL = 1
export const PROG_MISMATCH = 2
export const PROC_UNAVAIL = 3
export const GARBAGE_ARGS = 4
export const SYSTEM_ERR = 5

/** reject_stat and auth_stat */
export const RPC_MISMATCH = 0
export const AUTH_ERROR = 1
export const AUTH_BADCRED = 1
export const AUTH_TOOWEAK = 5

const LAST_FRAGMENT = 0x80000000

export interface AuthSys {
  stamp: number
  machine: string
  uid: number
  gid: number
  gids: number[]
}

export interface RpcCall {
  xid: number
  prog: number
  vers: number
  proc: number
  /** The credential: undefined for AUTH_NONE. */
  auth: AuthSys | undefined
  /** The arguments, positioned after the call header. */
  args: XdrReader
}

/** Why a call is refused before its procedure runs. */
export type CallRejection = { xid: number; reply: Uint8Array }

/** Decodes a call header; a bad header gives the reply to send (or undefined: not even an xid). */
export function decodeCall(record: Uint8Array): RpcCall | CallRejection | undefined {
  const r = new XdrReader(record)
  if (record.length < 8) return undefined
  const xid = r.u32()
  if (r.u32() !== CALL) return undefined // a reply or junk: nothing to answer
  try {
    const rpcvers = r.u32()
    if (rpcvers !== RPC_VERSION) return { xid, reply: deniedReply(xid, w => w.u32(RPC_MISMATCH).u32(RPC_VERSION).u32(RPC_VERSION)) }
    const prog = r.u32()
    const vers = r.u32()
    const proc = r.u32()
    const flavor = r.u32()
    const body = r.opaque(400)
    r.u32() // verifier flavor: AUTH_NONE and AUTH_SYS calls carry no verifier worth checking
    r.opaque(400)
    let auth: AuthSys | undefined
    if (flavor === AUTH_SYS) {
      try {
        auth = decodeAuthSys(body)
      } catch {
        return { xid, reply: deniedReply(xid, w => w.u32(AUTH_ERROR).u32(AUTH_BADCRED)) }
      }
    } else if (flavor !== AUTH_NONE) {
      return { xid, reply: deniedReply(xid, w => w.u32(AUTH_ERROR).u32(AUTH_TOOWEAK)) }
    }
    return { xid, prog, vers, proc, auth, args: r }
  } catch (error) {
    if (!(error instanceof GarbageArgsError)) throw error
    return { xid, reply: deniedReply(xid, w => w.u32(AUTH_ERROR).u32(AUTH_BADCRED)) }
  }
}

function decodeAuthSys(body: Uint8Array): AuthSys {
  const r = new XdrReader(body)
  const stamp = r.u32()
  const machine = r.string(255)
  const uid = r.u32()
  const gid = r.u32()
  const n = r.u32()
  if (n > 16) throw new GarbageArgsError(`${n} groups`)
  const gids: number[] = []
  for (let i = 0; i < n; i++) gids.push(r.u32())
  if (r.remaining !== 0) throw new GarbageArgsError('trailing bytes in AUTH_SYS')
  return { stamp, machine, uid, gid, gids }
}

/** The reply record (mark included) of an accepted call; `body` writes what follows accept_stat. */
export function acceptedReply(xid: number, stat: number, body?: (w: XdrWriter) => void, sizeHint = 256): Uint8Array {
  const w = new XdrWriter(sizeHint + 32)
  w.u32(0).u32(xid).u32(REPLY).u32(0).u32(AUTH_NONE).u32(0).u32(stat)
  body?.(w)
  return marked(w)
}

/**
 * An accepted reply whose last field is opaque `tail` (a READ's data), as pieces to write in
 * order: the tail is sent as it is, not copied into the reply. `body` writes up to and
 * including the opaque's length.
 */
export function acceptedReplyWithTail(xid: number, body: (w: XdrWriter) => void, tail: Uint8Array): Uint8Array[] {
  const w = new XdrWriter(256)
  w.u32(0).u32(xid).u32(REPLY).u32(0).u32(AUTH_NONE).u32(0).u32(SUCCESS)
  body(w)
  const pad = (4 - (tail.length % 4)) % 4
  const head = w.bytes()
  new DataView(head.buffer, head.byteOffset).setUint32(0, (LAST_FRAGMENT | (head.length - 4 + tail.length + pad)) >>> 0)
  return pad === 0 ? [head, tail] : [head, tail, new Uint8Array(pad)]
}

function deniedReply(xid: number, body: (w: XdrWriter) => void): Uint8Array {
  const w = new XdrWriter(64)
  w.u32(0).u32(xid).u32(REPLY).u32(1)
  body(w)
  return marked(w)
}

/** Fills in the record mark reserved at the start of `w` (one fragment). */
function marked(w: XdrWriter): Uint8Array {
  const bytes = w.bytes()
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(0, (LAST_FRAGMENT | (bytes.length - 4)) >>> 0)
  return bytes
}

/** A call record (mark included), for clients and tests: AUTH_SYS as root unless `auth` is null. */
export function encodeCall(xid: number, prog: number, vers: number, proc: number, args: (w: XdrWriter) => void, auth: AuthSys | null = null): Uint8Array {
  const w = new XdrWriter(256)
  w.u32(0).u32(xid).u32(CALL).u32(RPC_VERSION).u32(prog).u32(vers).u32(proc)
  if (auth === null) w.u32(AUTH_NONE).u32(0)
  else {
    const cred = new XdrWriter(64)
    cred.u32(auth.stamp).string(auth.machine).u32(auth.uid).u32(auth.gid).u32(auth.gids.length)
    for (const g of auth.gids) cred.u32(g)
    w.u32(AUTH_SYS).opaque(cred.bytes())
  }
  w.u32(AUTH_NONE).u32(0)
  args(w)
  return marked(w)
}

/** Records at least this large are built in buffers the decoder keeps for reuse (see `release`). */
const POOLED_RECORD = 64 << 10
/** How many such buffers wait for reuse at most. */
const POOL_SIZE = 8

/**
 * Reassembles records from a byte stream. It copies what it keeps, so a chunk need only live for
 * the `push` call (a connection can read into one reused buffer). A large record (a WRITE's data)
 * is built in a buffer taken from a pool, and `release` gives the buffer back once the record is
 * done with: fresh memory costs a page fault per 4 KiB (about 3.5 ms per MB here, some 50 times
 * a copy into memory already touched), so a 100 MB upload in fresh 1 MiB records paid more for
 * its page faults than for anything else.
 */
export class RecordDecoder {
  private readonly mark = new Uint8Array(4)
  private markBytes = 0
  /** The record being built, `filled` bytes of it so far. */
  private record: Uint8Array | undefined
  private filled = 0
  private fragmentLeft = -1 // -1: expecting a mark
  private last = false
  private readonly pool: Uint8Array[] = []
  private readonly pooled = new WeakSet<ArrayBufferLike>()

  constructor(private readonly maxRecord: number) {}

  /** Feeds bytes; returns the records completed by them. Throws `RecordTooLargeError`. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = []
    let at = 0
    for (;;) {
      if (this.fragmentLeft < 0) {
        while (this.markBytes < 4 && at < chunk.length) this.mark[this.markBytes++] = chunk[at++]
        if (this.markBytes < 4) return out
        this.markBytes = 0
        const value = ((this.mark[0] << 24) | (this.mark[1] << 16) | (this.mark[2] << 8) | this.mark[3]) >>> 0
        this.last = (value & LAST_FRAGMENT) !== 0
        this.fragmentLeft = value & 0x7fffffff
        if (this.filled + this.fragmentLeft > this.maxRecord) throw new RecordTooLargeError(this.filled + this.fragmentLeft, this.maxRecord)
        this.reserve(this.filled + this.fragmentLeft)
      }
      const n = Math.min(this.fragmentLeft, chunk.length - at)
      if (n > 0) {
        this.record!.set(chunk.subarray(at, at + n), this.filled)
        this.filled += n
        this.fragmentLeft -= n
        at += n
      }
      if (this.fragmentLeft > 0) return out
      this.fragmentLeft = -1
      if (this.last) {
        out.push(this.record!.subarray(0, this.filled))
        this.record = undefined
        this.filled = 0
      }
    }
  }

  /** Hands back a record `push` returned, once nothing uses it any more: its buffer may be reused. */
  release(record: Uint8Array): void {
    const buffer = record.buffer
    if (!this.pooled.has(buffer) || this.pool.length >= POOL_SIZE) return
    this.pool.push(new Uint8Array(buffer))
  }

  /** Makes room for a record of `size` bytes (a later fragment may make it larger). */
  private reserve(size: number): void {
    if (this.record !== undefined && this.record.length >= size) return
    // A record of many fragments grows by doubling, so it is copied O(log n) times, not O(n).
    const next = this.allocate(this.record === undefined ? size : Math.min(this.maxRecord, Math.max(size, this.record.length * 2)))
    if (this.record !== undefined) {
      next.set(this.record.subarray(0, this.filled))
      this.release(this.record)
    }
    this.record = next
  }

  private allocate(size: number): Uint8Array {
    if (size < POOLED_RECORD) return new Uint8Array(size)
    const i = this.pool.findIndex(b => b.length >= size)
    if (i >= 0) return this.pool.splice(i, 1)[0]!
    const fresh = new Uint8Array(size)
    this.pooled.add(fresh.buffer)
    return fresh
  }
}
