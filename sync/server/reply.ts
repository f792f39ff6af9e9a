/** Writing sync replies: JSON, refusals `{ error, code, ... }`, and object streams. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { IrminError } from '../../core/index.js'
import { STATUS_OF_CODE, SyncError } from '../errors.js'
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
  if (error instanceof IrminError) return { status: 400, body: { error: message, code: error.code } }
  return { status: 500, body: { error: message, code: 'EINTERNAL' } }
}

/**
 * An object stream being written (the 200 and its headers go out with the first frame): frames are queued into chunks of about 256 KiB and written as
 * the client takes them (backpressure), so a large clone is never held in memory whole.
 */
export class FrameWriter {
  private chunk: Uint8Array[] = []
  private size = 0
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
    if (frame.kind === FrameKind.object) {
      // Header and id, then the object's own bytes: copied once, into the outgoing chunk.
      this.objects++
      this.push(encodeObjectHead(frame.id, frame.bytes.length))
      this.push(frame.bytes)
    } else {
      if (frame.kind === FrameKind.treeDelta) this.objects++
      this.push(encodeFrame(frame))
    }
    if (this.size >= CHUNK) await this.flush()
  }

  private push(bytes: Uint8Array): void {
    this.bytes += bytes.length
    this.chunk.push(bytes)
    this.size += bytes.length
  }

  async flush(): Promise<void> {
    if (this.size === 0 || this.closed) return
    const data = Buffer.concat(this.chunk)
    this.chunk = []
    this.size = 0
    if (!this.response.write(data)) {
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

const CHUNK = 256 * 1024

/** Whether the request allows a gzip reply. */
export function acceptsGzip(request: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))
}
