/**
 * Ref watches across processes. Every ref move's statement also calls `pg_notify` (delivered
 * when it commits, so a watcher never hears of a move that did not happen); a watcher's backend
 * LISTENs on its own connection and reports moves made by others. Moves made through this
 * backend object are reported at once by `casRef` itself, and their notifications (tagged with
 * this object's random `origin`) are skipped, so each move is reported once.
 *
 * A lost listening connection is re-opened; notifications sent meanwhile are lost, so after
 * re-listening the refs are read and every ref that differs from what was last reported is
 * reported. A hot standby cannot LISTEN: there the refs are polled (`POLL_MS`).
 */
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { loadPg } from './driver.js'
import { RefListeners, type RefListener } from '../../core/backend.js'

const POLL_MS = 200
const RECONNECT_MS = 500

export class RefWatch {
  readonly channel: string
  readonly origin = randomBytes(8).toString('hex')
  private readonly listeners = new RefListeners()
  private client: pg.Client | undefined
  private timer: NodeJS.Timeout | undefined
  private started: Promise<void> | undefined
  private closed = false
  /** The refs as last reported, for catching up after a gap (reconnect, poll). */
  private known: Map<string, string> | undefined

  constructor(
    private readonly url: string,
    schema: string,
    private readonly poll: boolean,
    private readonly listRefs: () => Promise<Array<[string, string]>>,
  ) {
    this.channel = `${schema}_refs`.slice(0, 63)
  }

  add(listener: RefListener): () => void {
    const remove = this.listeners.add(listener)
    void this.ready().catch(() => {})
    return remove
  }

  /** Starts listening (once); resolves when others' moves will be heard. */
  ready(): Promise<void> {
    this.started ??= this.poll ? this.startPolling() : this.listen()
    return this.started
  }

  /** A move made through this backend object. */
  emitLocal(name: string, id: string | undefined): void {
    this.remember(name, id)
    this.listeners.emit(name, id)
  }

  private remember(name: string, id: string | undefined): void {
    if (!this.known) return
    if (id === undefined) this.known.delete(name)
    else this.known.set(name, id)
  }

  private async listen(): Promise<void> {
    const { Client } = await loadPg()
    const client = new Client({ connectionString: this.url })
    client.on('notification', message => {
      const [name, id, origin] = (message.payload ?? '').split(' ')
      if (origin === this.origin || !name) return
      const value = id === '-' ? undefined : id
      this.remember(name, value)
      this.listeners.emit(name, value)
    })
    client.on('error', () => this.reconnect(client))
    client.on('end', () => this.reconnect(client))
    this.client = client
    await client.connect()
    await client.query(`LISTEN "${this.channel.replace(/"/g, '""')}"`)
    await this.catchUp()
  }

  private reconnect(client: pg.Client): void {
    if (this.closed || this.client !== client) return
    this.client = undefined
    client.end().catch(() => {})
    setTimeout(() => {
      if (!this.closed) this.listen().catch(() => this.reconnect(this.client ?? client))
    }, RECONNECT_MS).unref()
  }

  /** Reports every ref that differs from what was last reported (nothing on the first look). */
  private async catchUp(): Promise<void> {
    const now = new Map(await this.listRefs())
    const before = this.known
    this.known = now
    if (!before) return
    for (const [name, id] of now) if (before.get(name) !== id) this.listeners.emit(name, id)
    for (const name of before.keys()) if (!now.has(name)) this.listeners.emit(name, undefined)
  }

  private async startPolling(): Promise<void> {
    await this.catchUp()
    const tick = () => {
      if (this.closed) return
      this.catchUp()
        .catch(() => {})
        .finally(() => {
          if (!this.closed) this.timer = setTimeout(tick, POLL_MS)
        })
    }
    this.timer = setTimeout(tick, POLL_MS)
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    const client = this.client
    this.client = undefined
    await client?.end().catch(() => {})
  }
}
