/**
 * One client connection's state: which domain it acts as, its watches, its open transactions and
 * the requests it sent that wait for their turn. The daemon serves sessions in turns (one request
 * each), so that a connection flooding requests delays only itself.
 */
import type { NodeAccess } from './access.js'
import type { XNode } from './node-tree.js'
import type { Effects } from './nodes.js'
import { domainPath } from './paths.js'
import type { Caller } from './perms.js'
import { type Message, strings, XS } from './wire.js'

export interface Watch {
  /** The canonical path (or special name) watched. */
  readonly name: string
  readonly token: string
  /** Given relative: events report paths relative to the domain's home. */
  readonly relative: boolean
}

export interface OpenTransaction {
  readonly id: number
  /** The Xenstore it forked (the tree of the head commit at TRANSACTION_START). */
  readonly base: XNode
  /** Its fork: reads and changes, noted for the merge at TRANSACTION_END. */
  readonly access: NodeAccess
  readonly effects: Effects
  /** What it did, for the commit message. */
  readonly ops: string[]
}

export interface Transport {
  /** Sends one message (the transport encodes it: the server into its pooled buffer, reply-writer.ts). */
  send(type: number, reqId: number, txId: number, payload: Uint8Array | string): void
  close(): void
}

export class Session implements Caller {
  readonly watches = new Map<string, Watch>()
  readonly transactions = new Map<number, OpenTransaction>()
  readonly queue: Message[] = []
  target: number | undefined
  closed = false
  /** Whether it is in the daemon's turn list (or being served). */
  scheduled = false
  /** Set by the server: starts reading the socket again after a full queue drained. */
  resume: (() => void) | undefined

  constructor(
    readonly id: number,
    readonly domid: number,
    private readonly transport: Transport,
  ) {}

  reply(request: Message, type: number, payload: Uint8Array | string): void {
    if (!this.closed) this.transport.send(type, request.reqId, request.txId, payload)
  }

  error(request: Message, code: string): void {
    this.reply(request, XS.ERROR, strings(code))
  }

  /** A watch event for `name` (made relative when the watch was given relative). */
  event(watch: Watch, name: string): void {
    const home = `${domainPath(this.domid)}/`
    const shown = watch.relative && name.startsWith(home) ? name.slice(home.length) : name
    if (!this.closed) this.transport.send(XS.WATCH_EVENT, 0, 0, strings(shown, watch.token))
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.transactions.clear()
    this.watches.clear()
    this.queue.length = 0
    this.transport.close()
  }
}
