/**
 * A minimal Xenstore client on a Unix socket, for tests and benchmarks: one request at a time
 * per `request` call (replies matched by req_id), watch events collected as they arrive.
 */
import { connect, type Socket } from 'node:net'
import { encodeMessage, FrameReader, latin1Bytes, type Message, splitStrings, strings, XS } from './wire.js'

export interface Reply {
  readonly type: number
  readonly payload: Uint8Array
  /** The payload as Latin-1 text. */
  readonly text: string
  /** The errno name of an XS_ERROR reply. */
  readonly error: string | undefined
}

export class XsClient {
  readonly events: Array<[path: string, token: string]> = []
  private readonly waiting = new Map<number, (reply: Reply) => void>()
  private readonly reader = new FrameReader()
  private nextId = 1
  private eventWaiters: Array<() => void> = []
  closed: Promise<void>

  private constructor(readonly socket: Socket) {
    this.closed = new Promise(resolve => socket.once('close', () => resolve()))
    socket.on('data', chunk => {
      for (const message of this.reader.push(chunk)) this.deliver(message)
    })
    socket.on('error', () => {})
    void this.closed.then(() => {
      for (const resolve of this.waiting.values()) resolve({ type: -1, payload: new Uint8Array(0), text: '', error: 'ECLOSED' })
      this.waiting.clear()
    })
  }

  /** Connects; a full listen backlog (EAGAIN: C xenstored's is short) is retried for a while. */
  static async connect(path: string, attempts = 50): Promise<XsClient> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await new Promise<XsClient>((resolve, reject) => {
          const socket = connect(path)
          socket.once('connect', () => resolve(new XsClient(socket)))
          socket.once('error', reject)
        })
      } catch (error) {
        if ((error as { code?: string }).code !== 'EAGAIN' || attempt >= attempts) throw error
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    }
  }

  private deliver(message: Message): void {
    if (message.type === XS.WATCH_EVENT) {
      const { parts } = splitStrings(message.payload)
      this.events.push([parts[0] ?? '', parts[1] ?? ''])
      for (const wake of this.eventWaiters.splice(0)) wake()
      return
    }
    const text = new TextDecoder('latin1').decode(message.payload)
    const reply = { type: message.type, payload: message.payload, text, error: message.type === XS.ERROR ? text.replace(/\0$/, '') : undefined }
    this.waiting.get(message.reqId)?.(reply)
    this.waiting.delete(message.reqId)
  }

  /** Sends one request and waits for its reply. */
  request(type: number, payload: Uint8Array | string, txId = 0): Promise<Reply> {
    const reqId = this.nextId++
    if (this.socket.destroyed) return Promise.resolve({ type: -1, payload: new Uint8Array(0), text: '', error: 'ECLOSED' })
    return new Promise(resolve => {
      this.waiting.set(reqId, resolve)
      this.socket.write(encodeMessage(type, reqId, txId, payload))
    })
  }

  read = (path: string, tx = 0) => this.request(XS.READ, strings(path), tx)
  write = (path: string, value: string | Uint8Array, tx = 0) => this.request(XS.WRITE, typeof value === 'string' ? `${path}\0${value}` : concat(`${path}\0`, value), tx)
  mkdir = (path: string, tx = 0) => this.request(XS.MKDIR, strings(path), tx)
  rm = (path: string, tx = 0) => this.request(XS.RM, strings(path), tx)
  directory = (path: string, tx = 0) => this.request(XS.DIRECTORY, strings(path), tx)
  getPerms = (path: string, tx = 0) => this.request(XS.GET_PERMS, strings(path), tx)
  setPerms = (path: string, perms: string[], tx = 0) => this.request(XS.SET_PERMS, strings(path, ...perms), tx)
  watch = (path: string, token: string) => this.request(XS.WATCH, strings(path, token))
  unwatch = (path: string, token: string) => this.request(XS.UNWATCH, strings(path, token))

  async start(): Promise<number> {
    const reply = await this.request(XS.TRANSACTION_START, '\0')
    if (reply.error) throw new Error(`TRANSACTION_START: ${reply.error}`)
    return Number(reply.text.replace(/\0$/, ''))
  }

  end = (tx: number, commit = true) => this.request(XS.TRANSACTION_END, strings(commit ? 'T' : 'F'), tx)

  /** Waits until at least `count` events arrived (or `ms` passed); returns them all. */
  async waitForEvents(count: number, ms = 2000): Promise<Array<[string, string]>> {
    const deadline = Date.now() + ms
    while (this.events.length < count && Date.now() < deadline) {
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()))
        this.eventWaiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return this.events
  }

  close(): Promise<void> {
    this.socket.end()
    return this.closed
  }
}

function concat(head: string, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + tail.length)
  out.set(latin1Bytes(head))
  out.set(tail, head.length)
  return out
}
