/** Writing sync replies: JSON, refusals `{ error, code, ... }`, and object streams. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { IrminError } from '../../core/index.js'
import { STATUS_OF_CODE, SyncError, UNAVAILABLE_CODES } from '../errors.js'
import { encodeFrame, encodeObjectHead, type Frame, FrameKind, OBJECT_STREAM_TYPE } from '../frames.js'

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) })
  response.end(text)
}

/** The status and body a failure is refused with; a fault of ours is a 500 `EINTERNAL`. */
export function refusal(error: unknown): { status: number; body: Record<string, unknown> } {
  if (error instanceof SyncError) return { status: STATUS_OF_CODE[error.code] ?? 400, body: { error: error.message, code: error.code, ...error.details } }
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof IrminError) return { status: UNAVAILABLE_CODES.has(error.code) ? 503 : 400, body: { error: message, code: error.code } }
  return { status: 500, body: { error: message, code: 'EINTERNAL' } }
}

/**
 * An object stream being written (the 200 and its headers go out with the first frame): frames
 * are copied into a chunk of 512 KiB (no allocation per frame) and each chunk is written as the
 * client takes them (backpressure), so a large clone is never held in memory whole.
 */
export class FrameWriter {
  private chunk = Buffer.allocUnsafe(CHUNK)
  private at = 0
  objects = 0
  bytes = 0
  private closed = false

  constructor(private readonly response: ServerResponse) {
    response.on('close', () => (this.closed = true))
  }

  /** Whether the reply's headers went out (with the first frame): a refusal is now an ERROR frame. */
  get started(): boolean {
    return this.response.headersSent
  }

  /** Whether the client went away (the walk can stop). */
  get gone(): boolean {
    return this.closed
  }

  async write(frame: Frame): Promise<void> {
    if (!this.response.headersSent) this.response.writeHead(200, { 'content-type': OBJECT_STREAM_TYPE, 'cache-control': 'no-store' })
    if (frame.kind === FrameKind.object || frame.kind === FrameKind.treeDelta) this.objects++
    // Header and ids, then the object's own bytes (or the delta): copied once, into the outgoing chunk.
    const head = frame.kind === FrameKind.object ? OBJECT_HEAD : frame.kind === FrameKind.treeDelta ? DELTA_HEAD : 0
    const bytes = frame.kind === FrameKind.object ? frame.bytes : frame.kind === FrameKind.treeDelta ? frame.delta : encodeFrame(frame)
    const size = head + bytes.length
    this.bytes += size
    if (this.at + size > CHUNK) await this.flush()
    if (size > CHUNK) {
      // Larger than a chunk: written as it is (an OBJECT after its header; nothing else gets this large).
      if (frame.kind === FrameKind.object) await this.send(encodeObjectHead(frame.id, bytes.length))
      return this.send(frame.kind === FrameKind.treeDelta ? encodeFrame(frame) : bytes)
    }
    if (frame.kind === FrameKind.object || frame.kind === FrameKind.treeDelta) {
      const chunk = this.chunk
      chunk[this.at] = frame.kind
      chunk.writeUInt32BE(head - 5 + bytes.length, this.at + 1)
      chunk.write(frame.id, this.at + 5, ID_BYTES, 'hex')
      if (frame.kind === FrameKind.treeDelta) chunk.write(frame.base, this.at + 5 + ID_BYTES, ID_BYTES, 'hex')
    }
    this.chunk.set(bytes, this.at + head)
    this.at += size
  }

  async flush(): Promise<void> {
    if (this.at === 0 || this.closed) return
    // The socket holds on to the chunk until it is written: the next frames go to another one, a
    // spare one when the socket is done with it (fresh memory costs a page fault per 4 KiB).
    const chunk = this.chunk
    const data = chunk.subarray(0, this.at)
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK)
    this.at = 0
    await this.send(data, error => {
      if (!error && this.spare.length < SPARE_CHUNKS) this.spare.push(chunk)
    })
  }

  /** Chunks the socket has written, for reuse. */
  private readonly spare: Array<typeof this.chunk> = []

  private async send(data: Uint8Array, written?: (error?: Error | null) => void): Promise<void> {
    if (this.closed || this.response.write(data, written)) return
    await new Promise<void>(resolve => {
      const done = () => {
        this.response.off('drain', done)
        this.response.off('close', done)
        resolve()
      }
      this.response.on('drain', done)
      this.response.on('close', done)
    })
  }

  async end(): Promise<void> {
    await this.write({ kind: FrameKind.end, json: { objects: this.objects } })
    await this.flush()
    this.response.end()
  }

  /** Gives up mid-stream: an ERROR frame, then nothing. */
  async fail(error: unknown): Promise<void> {
    const { body } = refusal(error)
    await this.write({ kind: FrameKind.error, json: body })
    await this.flush()
    this.response.end()
  }
}

const CHUNK = 512 * 1024
/** Written chunks kept for reuse: the socket holds a few while the client reads. */
const SPARE_CHUNKS = 4
/** Kind, length and id: what precedes an OBJECT frame's bytes. */
const OBJECT_HEAD = 25
/** Kind, length, id and base: what precedes a TREE_DELTA frame's delta. */
const DELTA_HEAD = 45
const ID_BYTES = 20

/** Whether the request allows a gzip reply. */
export function acceptsGzip(request: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))
}
