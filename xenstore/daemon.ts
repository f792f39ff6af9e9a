/**
 * The Xenstore daemon's state on the store: the Xenstore is the branch `xenstore` (by default) of
 * a repo, one commit per write or transaction (message: operation, path, domain; author: the
 * domain; under a sustained stream of changes, one commit groups those of 4 ms: see
 * committer.ts). The daemon holds the branch's tree in memory (node-tree.ts) and answers from
 * it; the commits follow the replies. A transaction is a fork of the tree taken at
 * TRANSACTION_START and merged back at TRANSACTION_END, serializably: EAGAIN only when a node it
 * read changed meanwhile (access.ts). Requests are served one at a time, taking
 * turns between connections, so every request sees the effects of the ones before it.
 *
 * Not here: sockets (server.ts) and the meaning of each request (requests.ts).
 */
import { branchRef } from '../core/ref-name.js'
import type { Repo } from '../core/repo.js'
import type { Tree } from '../core/tree.js'
import { latin1Bytes, type Message } from './wire.js'
import { NodeAccess } from './access.js'
import { Committer, domainAuthor } from './committer.js'
import { NodeObjects } from './node-objects.js'
import { treeOrder, walkNodes, XNode } from './node-tree.js'
import { Effects, type Limits, type NodeEvent, PERMS, permsFrom, VALUE, watchMatches } from './nodes.js'
import { accessFor, type Caller, formatPerms, isPrivileged, OWNER, ownerOf, type Perm, READ, WRITE } from './perms.js'
import { handleRequest } from './requests.js'
import { type OpenTransaction, Session, type Transport } from './session.js'
import { fail, XenstoreError } from './errors.js'
import { WriteBehindBackend } from './write-behind.js'

export interface Quotas {
  /** Entries (nodes) a domain other than dom0 may own. */
  readonly entries: number
  /** Largest value a domain other than dom0 may write, in bytes. */
  readonly value: number
  readonly watches: number
  /** Open transactions per connection. */
  readonly transactions: number
  /** Longest path below `/local/domain/<n>/`. */
  readonly pathMax: number
  /** Entries in one permission list. */
  readonly perms: number
}

/** C xenstored's defaults. */
export const DEFAULT_QUOTAS: Quotas = { entries: 1000, value: 2048, watches: 128, transactions: 10, pathMax: 2048, perms: 5 }

export interface DaemonOptions {
  readonly repo: Repo<Uint8Array>
  /** The branch holding the Xenstore (default `xenstore`). */
  readonly branch?: string
  /** Serve this commit read-only (every change answers EROFS). */
  readonly at?: string
  readonly quotas?: Partial<Quotas>
  /** Told when dom0 introduces or releases a domain (the server opens or closes its socket). */
  readonly onIntroduce?: (domid: number) => void
  readonly onRelease?: (domid: number) => void
}

export interface DomainInfo {
  readonly domid: number
  readonly mfn: string
  readonly port: string
}

/** Requests a session may have waiting before its socket stops being read. */
export const QUEUE_HIGH = 256
/** Requests served between two looks at the sockets. */
const YIELD_EVERY = 32

const SPECIAL_DEFAULT: Perm[] = [{ kind: 'n', domid: 0 }]
const ROOT_PERMS = latin1Bytes(formatPerms(SPECIAL_DEFAULT))

export class XenstoreDaemon {
  readonly sessions = new Set<Session>()
  readonly domains = new Map<number, DomainInfo>()
  readonly quotas: Quotas
  readonly readOnly: boolean
  /** Entries owned per domain, as committed. */
  private readonly entries = new Map<number, number>()
  /** Perms of the special watch nodes, by name. */
  private readonly special = new Map<string, Perm[]>()
  private nextTransaction = 1
  private nextSession = 1
  private readonly ready: Session[] = []
  private running: Promise<void> | undefined
  private reading: NodeAccess | undefined
  /** Requests `serveNow` answered in this turn of the event loop. */
  private servedThisTurn = 0
  readonly limits: Limits
  readonly objects: NodeObjects
  /** Answers before the commit is durable only on the write-behind backend (README: durability). */
  private readonly writeBehind: boolean

  private constructor(
    readonly options: DaemonOptions,
    /** The Xenstore now: the tree of the last commit queued. */
    private root: XNode,
    private readonly committer: Committer | undefined,
    objects: NodeObjects,
  ) {
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas }
    this.readOnly = options.at !== undefined
    this.objects = objects
    this.writeBehind = options.repo.backend instanceof WriteBehindBackend
    const { quotas, entries } = this
    this.limits = { entries: domid => entries.get(domid) ?? 0, maxEntries: quotas.entries, maxValue: quotas.value }
  }

  static async open(options: DaemonOptions): Promise<XenstoreDaemon> {
    const { repo } = options
    const branch = options.branch ?? 'xenstore'
    const store = options.at !== undefined ? repo.commit(options.at) : repo.branch(branch)
    if (options.at === undefined && (await store.find([PERMS])) === undefined) {
      // A new Xenstore: `/` and `/tool/xenstored`, as C xenstored starts with.
      await store.batch(
        b => {
          for (const steps of [[], ['tool'], ['tool', 'xenstored']]) {
            b.set([...steps, PERMS], ROOT_PERMS)
            b.set([...steps, VALUE], new Uint8Array(0))
          }
        },
        { message: 'xenstored: create the root', author: domainAuthor(0) },
      )
    }
    const objects = new NodeObjects(bytes => repo.objects.hash(bytes))
    const root = await loadNode(await store.tree())
    const committer = options.at === undefined ? new Committer(repo, branchRef(branch), objects, await store.headId(), root.id) : undefined
    const daemon = new XenstoreDaemon(options, root, committer, objects)
    daemon.countEntries()
    return daemon
  }

  private countEntries(): void {
    for (const [, node] of walkNodes(this.root)) {
      const owner = ownerOf(permsFrom(node.perms))
      this.entries.set(owner, (this.entries.get(owner) ?? 0) + 1)
    }
  }

  /** Entries owned by `domid` (committed state). */
  entriesOf(domid: number): number {
    return this.entries.get(domid) ?? 0
  }

  connect(domid: number, transport: Transport): Session {
    const session = new Session(this.nextSession++, domid, transport)
    this.sessions.add(session)
    return session
  }

  disconnect(session: Session): void {
    session.close()
    this.sessions.delete(session)
  }

  /**
   * Queues a request and, unless requests are being served already, serves what is queued at
   * once (replies go out before this returns). Returns whether the session may send more before
   * it is served.
   */
  receive(session: Session, message: Message): boolean {
    if (session.closed) return false
    session.queue.push(message)
    if (!session.scheduled) {
      session.scheduled = true
      this.ready.push(session)
    }
    if (this.running === undefined) this.serveNow()
    return session.queue.length < QUEUE_HIGH
  }

  /** Resolves when every queued request has been answered and its commit has landed. */
  async idle(): Promise<void> {
    while (this.running) await this.running
    await this.committer?.drain()
  }

  /**
   * Serves without waiting while no answer waits for the store; the rest (a reply waiting for a
   * write-through backend, or more than `YIELD_EVERY` requests in this turn) is served by `serve`.
   */
  private serveNow(): void {
    while (this.ready.length > 0) {
      // At most YIELD_EVERY at once per turn of the event loop: a connection flooding requests
      // then fills its queue, and its socket stops being read (see `receive`).
      // (The count is reset at the end of a turn in which it passed half of that: one timer for
      // many requests, and still at least half of YIELD_EVERY served per turn.)
      if (++this.servedThisTurn === YIELD_EVERY / 2) setImmediate(() => (this.servedThisTurn = 0))
      if (this.servedThisTurn > YIELD_EVERY) return this.serveLater(undefined)
      const waiting = this.step()
      if (waiting) return this.serveLater(waiting)
    }
    // The replies are out: now the commits of the changes they answered.
    this.committer?.schedule()
  }

  private serveLater(waiting: Promise<void> | undefined): void {
    this.running = (async () => {
      if (waiting) await waiting
      else await new Promise(resolve => setImmediate(resolve))
      await this.serve()
    })().finally(() => (this.running = undefined))
  }

  private async serve(): Promise<void> {
    for (let served = 1; this.ready.length > 0; served++) {
      // Requests already read take turns; now and then let the sockets be read too, so that a
      // connection with a long queue cannot keep the others' requests from being seen at all.
      if (served % YIELD_EVERY === 0) {
        this.committer?.schedule()
        await new Promise(resolve => setImmediate(resolve))
      }
      const waiting = this.step()
      if (waiting) await waiting
    }
    this.committer?.schedule()
  }

  /** Serves the next session's next request; a promise when its answer waits for the store. */
  private step(): Promise<void> | void {
    const session = this.ready.shift()!
    const message = session.queue.shift()
    if (message === undefined || session.closed) {
      session.scheduled = false
      return
    }
    const waiting = handleRequest(this, session, message)
    if (session.queue.length > 0) this.ready.push(session)
    else session.scheduled = false
    if (session.queue.length === QUEUE_HIGH / 4) session.resume?.()
    return waiting
  }

  /** What requests outside a transaction read (one per state of the Xenstore: reading notes nothing outside a transaction). */
  get reader(): NodeAccess {
    if (this.reading?.root !== this.root) this.reading = new NodeAccess(this.root)
    return this.reading
  }

  /**
   * Runs one change: inside the transaction `open` (recorded there, committed at its end), or on
   * the Xenstore, whose commit follows (at once, before the reply, on a write-through backend).
   * Effects (watch events, entry counts) apply once it holds.
   */
  change(session: Session, open: OpenTransaction | undefined, label: string, fn: (access: NodeAccess, effects: Effects) => void): void | Promise<void> {
    if (this.readOnly) fail('EROFS', `read-only: serving ${this.options.at}`)
    const effects = new Effects()
    if (open) {
      fn(open.access, effects)
      open.effects.merge(effects)
      open.ops.push(label)
      return
    }
    const access = new NodeAccess(this.root)
    fn(access, effects)
    return this.changed(access.root, label, session.domid, effects)
  }

  /** The Xenstore is now `root` (committed as `label` of `domid` when it differs); then `effects` apply. */
  private changed(root: XNode, label: string, domid: number, effects: Effects): void | Promise<void> {
    if (root !== this.root) {
      this.committer!.add(root, label, domid)
      this.root = root
      if (!this.writeBehind) return this.committer!.drain().then(() => this.apply(effects))
    }
    this.apply(effects)
  }

  /** Forks the Xenstore for a new transaction. */
  startTransaction(): OpenTransaction {
    const id = this.nextTransaction++
    return { id, base: this.root, access: new NodeAccess(this.root, true), effects: new Effects(), ops: [] }
  }

  /** Merges a transaction back (throws EAGAIN when something it read changed). */
  commitTransaction(session: Session, open: OpenTransaction): void | Promise<void> {
    const { access, base } = open
    if (access.changedReads(base, this.root, this.objects)) throw new XenstoreError('EAGAIN', `transaction ${open.id}: something it read changed`)
    // As C xenstored: one event per node the transaction changed (a subtree match wins over an exact one).
    if (open.effects.events.length > 1) {
      const events = new Map<string, NodeEvent>()
      for (const event of open.effects.events) {
        const seen = events.get(event.name)
        if (!seen || (seen.exact && !event.exact)) events.set(event.name, { ...event, perms: [...(seen?.perms ?? []), ...event.perms] })
      }
      open.effects.events.splice(0, open.effects.events.length, ...events.values())
    }
    if (!access.changed) return this.apply(open.effects)
    const root = this.root === base ? access.root : access.replayOn(this.root)
    const shown = open.ops.length > 20 ? [...open.ops.slice(0, 20), `… ${open.ops.length - 20} more`] : open.ops
    return this.changed(root, `transaction ${open.id}: ${shown.join('; ') || 'no change'}`, session.domid, open.effects)
  }

  private apply(effects: Effects): void {
    if (effects.owners) for (const [domid, delta] of effects.owners) this.entries.set(domid, (this.entries.get(domid) ?? 0) + delta)
    this.fire(effects.events)
  }

  /** Sends each event to every watch that matches it and whose session may read the node. */
  fire(events: readonly NodeEvent[]): void {
    if (events.length === 0) return
    for (const session of this.sessions) {
      if (session.watches.size === 0) continue
      for (const event of events) {
        if (!isPrivileged(session) && !event.perms.some(perms => accessFor(session, perms) & READ)) continue
        for (const watch of session.watches.values()) if (watchMatches(watch.name, event)) session.event(watch, event.name)
      }
    }
  }

  /**
   * `@introduceDomain` / `@releaseDomain`: watchers see them when the special node's perms let
   * them read it (`n0` until dom0 sets others, as C xenstored; kept in memory, not in the store).
   */
  fireSpecial(name: string): void {
    this.fire([{ name, exact: true, perms: [this.special.get(name) ?? SPECIAL_DEFAULT] }])
  }

  specialPerms(caller: Caller, name: string, need: number): Perm[] {
    const perms = this.special.get(name) ?? SPECIAL_DEFAULT
    if ((accessFor(caller, perms) & need) !== need) fail('EACCES', `no access to ${name}`)
    return perms
  }

  setSpecialPerms(caller: Caller, name: string, perms: Perm[]): void {
    const old = this.specialPerms(caller, name, WRITE | OWNER)
    if (!isPrivileged(caller) && ownerOf(perms) !== ownerOf(old)) fail('EPERM', 'only dom0 may change the owner')
    this.special.set(name, perms)
  }

  async close(): Promise<void> {
    await this.idle()
    for (const session of [...this.sessions]) this.disconnect(session)
  }
}

const NO_PERMS = ROOT_PERMS

/** A stored tree as nodes (their ids those of the store: already written). */
async function loadNode(tree: Tree<Uint8Array>): Promise<XNode> {
  const names: string[] = []
  const kids: XNode[] = []
  for (const name of [...(await tree.list([]))].sort(treeOrder)) {
    if (name.startsWith('.')) continue
    const child = await tree.findTree([name])
    if (child === undefined) continue
    names.push(name)
    kids.push(await loadNode(child))
  }
  const node = new XNode((await tree.find([VALUE])) ?? new Uint8Array(0), (await tree.find([PERMS])) ?? NO_PERMS, names, kids)
  node.id = tree.hash()
  node.stored = true
  return node
}
