/**
 * What each request does (docs/misc/xenstore.txt), answered as C xenstored answers it: errors as
 * XS_ERROR with the errno name, unknown types ENOSYS. A failing request changes nothing.
 */
import type { XenstoreDaemon } from './daemon.js'
import { fail, XenstoreError } from './errors.js'
import { childrenOf, getPerms, makeNode, readValue, removeNode, setPerms, writeNode } from './nodes.js'
import { canonicalize, domainPath, type XsPath } from './paths.js'
import { formatPerms, isPrivileged, parsePerms, READ } from './perms.js'
import type { OpenTransaction, Session } from './session.js'
import { latin1Text, type Message, PAYLOAD_MAX, splitStrings, strings, TYPE_NAMES, XS } from './wire.js'

const OK = strings('OK')

/** Answers `message`; a promise only when the answer waits for the store (a write-through backend). */
export function handleRequest(daemon: XenstoreDaemon, session: Session, message: Message): void | Promise<void> {
  try {
    const open = message.txId === 0 ? undefined : session.transactions.get(message.txId)
    if (message.txId !== 0 && open === undefined) fail('ENOENT', `no transaction ${message.txId}`)
    const done = dispatch(daemon, session, message, open)
    if (done) return done.catch(error => answerError(session, message, error))
  } catch (error) {
    answerError(session, message, error)
  }
}

function answerError(session: Session, message: Message, error: unknown): void {
  // Anything but a XenstoreError is a fault of ours, not of the request: EIO, and keep serving.
  session.error(message, error instanceof XenstoreError ? error.code : 'EIO')
}

/** Replies OK once `done` (a change's commit, when the reply waits for it) is over. */
function ok(session: Session, message: Message, done: void | Promise<void>): void | Promise<void> {
  if (done) return done.then(() => session.reply(message, message.type, OK))
  session.reply(message, message.type, OK)
}

/** The payload's NUL-terminated strings; EINVAL unless there are `count` of them, each terminated. */
function args(message: Message, count: number): string[] {
  const { parts, terminated } = splitStrings(message.payload)
  if (!terminated || parts.length !== count) fail('EINVAL', `${TYPE_NAMES[message.type]} takes ${count} NUL-terminated arguments`)
  return parts
}

const PLAIN = { allowSpecial: false }
const SPECIAL = { allowSpecial: true }

function path(daemon: XenstoreDaemon, session: Session, given: string | undefined, allowSpecial = false): XsPath {
  if (isPrivileged(session)) return canonicalize(given, session.domid, allowSpecial ? SPECIAL : PLAIN)
  return canonicalize(given, session.domid, { allowSpecial, pathMax: daemon.quotas.pathMax })
}

function domid(text: string | undefined): number {
  if (text === undefined || !/^\d{1,5}$/.test(text) || Number(text) > 0x7fef) return fail('EINVAL', `invalid domain id ${JSON.stringify(text)}`)
  return Number(text)
}

function privileged(session: Session): void {
  if (!isPrivileged(session)) fail('EACCES', 'only dom0 may do this')
}

function dispatch(daemon: XenstoreDaemon, session: Session, message: Message, open: OpenTransaction | undefined): void | Promise<void> {
  const reader = open?.access ?? daemon.reader
  const limits = daemon.limits
  switch (message.type) {
    case XS.READ: {
      const value = readValue(reader, session, path(daemon, session, args(message, 1)[0]))
      return session.reply(message, XS.READ, value)
    }
    case XS.DIRECTORY: {
      const names = childrenOf(reader, session, path(daemon, session, args(message, 1)[0]))
      const payload = strings(...names)
      if (payload.length > PAYLOAD_MAX) fail('E2BIG', 'directory does not fit one reply (use DIRECTORY_PART)')
      return session.reply(message, XS.DIRECTORY, payload)
    }
    case XS.DIRECTORY_PART: {
      const [given, offsetText] = args(message, 2)
      const at = path(daemon, session, given)
      const names = childrenOf(reader, session, at)
      const offset = Number(offsetText)
      if (!/^\d+$/.test(offsetText!)) fail('EINVAL', 'invalid offset')
      const node = reader.subtree(at.steps)
      const generation = String(parseInt(node === undefined ? '0' : daemon.objects.treeId(node).slice(0, 12), 16))
      const all = strings(...names)
      let part = ''
      if (offset < all.length) {
        let end = offset
        // Whole names only, as many as fit with the generation and the final empty string.
        while (end < all.length) {
          const next = all.indexOf('\0', end) + 1
          if (next - offset + generation.length + 2 > PAYLOAD_MAX) break
          end = next
        }
        if (end === offset) fail('E2BIG', 'a child name does not fit one reply')
        part = all.slice(offset, end) + (end === all.length ? '\0' : '')
      } else part = '\0'
      return session.reply(message, XS.DIRECTORY_PART, `${generation}\0${part}`)
    }
    case XS.GET_PERMS: {
      const at = path(daemon, session, args(message, 1)[0], true)
      const perms = at.special ? daemon.specialPerms(session, at.name, READ) : getPerms(reader, session, at)
      return session.reply(message, XS.GET_PERMS, formatPerms(perms))
    }
    case XS.WRITE: {
      const nul = message.payload.indexOf(0)
      if (nul < 0) fail('EINVAL', 'WRITE needs a NUL after the path')
      const at = path(daemon, session, latin1Text(message.payload, 0, nul))
      const value = Uint8Array.prototype.slice.call(message.payload, nul + 1) // its own bytes, not a slice of a shared pool (FrameReader)
      return ok(session, message, daemon.change(session, open, `WRITE ${at.name}`, (access, effects) => writeNode(access, session, at, value, limits, effects)))
    }
    case XS.MKDIR: {
      const at = path(daemon, session, args(message, 1)[0])
      return ok(session, message, daemon.change(session, open, `MKDIR ${at.name}`, (access, effects) => makeNode(access, session, at, limits, effects)))
    }
    case XS.RM: {
      const at = path(daemon, session, args(message, 1)[0])
      return ok(session, message, daemon.change(session, open, `RM ${at.name}`, (access, effects) => removeNode(access, session, at, effects)))
    }
    case XS.SET_PERMS: {
      const { parts, terminated } = splitStrings(message.payload)
      if (!terminated || parts.length < 2) fail('EINVAL', 'SET_PERMS takes a path and at least one permission')
      const perms = parsePerms(parts.slice(1))
      if (!isPrivileged(session) && perms.length > daemon.quotas.perms) fail('ENOSPC', `more than ${daemon.quotas.perms} permissions`)
      const at = path(daemon, session, parts[0], true)
      if (at.special) return ok(session, message, daemon.setSpecialPerms(session, at.name, perms))
      return ok(session, message, daemon.change(session, open, `SET_PERMS ${at.name} ${parts.slice(1).join(',')}`, (access, effects) => setPerms(access, session, at, perms, effects)))
    }
    case XS.WATCH: {
      const [given, token] = args(message, 2)
      const at = path(daemon, session, given, true)
      const key = `${at.name}\0${token}`
      if (session.watches.has(key)) fail('EEXIST', 'already watching this path with this token')
      if (!isPrivileged(session) && session.watches.size >= daemon.quotas.watches) fail('E2BIG', `more than ${daemon.quotas.watches} watches`)
      const watch = { name: at.name, token: token!, relative: !given!.startsWith('/') && !at.special }
      session.watches.set(key, watch)
      session.reply(message, XS.WATCH, OK)
      // Fires once on registration, so that a client reads the current state.
      return session.event(watch, at.name)
    }
    case XS.UNWATCH: {
      const [given, token] = args(message, 2)
      // Not validated (as C xenstored): a path no watch can have is simply not found.
      const name = given!.startsWith('/') || given!.startsWith('@') ? given! : `${domainPath(session.domid)}/${given}`
      if (!session.watches.delete(`${name}\0${token}`)) fail('ENOENT', 'no such watch')
      return session.reply(message, XS.UNWATCH, OK)
    }
    case XS.RESET_WATCHES: {
      session.watches.clear()
      session.transactions.clear()
      return session.reply(message, XS.RESET_WATCHES, OK)
    }
    case XS.TRANSACTION_START: {
      if (open) fail('EBUSY', 'already in a transaction')
      if (!isPrivileged(session) && session.transactions.size >= daemon.quotas.transactions) fail('ENOSPC', `more than ${daemon.quotas.transactions} transactions`)
      const started = daemon.startTransaction()
      session.transactions.set(started.id, started)
      return session.reply(message, XS.TRANSACTION_START, strings(String(started.id)))
    }
    case XS.TRANSACTION_END: {
      if (!open) fail('ENOENT', 'TRANSACTION_END outside a transaction')
      const [commit] = args(message, 1)
      if (commit !== 'T' && commit !== 'F') fail('EINVAL', 'TRANSACTION_END takes T or F')
      session.transactions.delete(open!.id)
      return ok(session, message, commit === 'T' ? daemon.commitTransaction(session, open!) : undefined)
    }
    case XS.GET_DOMAIN_PATH:
      return session.reply(message, XS.GET_DOMAIN_PATH, strings(domainPath(domid(args(message, 1)[0]))))
    case XS.INTRODUCE: {
      privileged(session)
      const [id, mfn, port] = args(message, 3)
      const n = domid(id)
      if (n === 0) fail('EINVAL', 'dom0 is not introduced')
      if (daemon.readOnly) fail('EROFS', 'read-only daemon')
      if (!daemon.domains.has(n)) {
        daemon.domains.set(n, { domid: n, mfn: mfn!, port: port! })
        daemon.options.onIntroduce?.(n)
        daemon.fireSpecial('@introduceDomain')
      }
      return session.reply(message, XS.INTRODUCE, OK)
    }
    case XS.RELEASE: {
      privileged(session)
      const n = domid(args(message, 1)[0])
      if (n === 0) fail('EINVAL', 'dom0 cannot be released')
      if (!daemon.domains.delete(n)) fail('ENOENT', `domain ${n} is not introduced`)
      for (const other of daemon.sessions) if (other.domid === n) daemon.disconnect(other)
      daemon.options.onRelease?.(n)
      daemon.fireSpecial('@releaseDomain')
      return session.reply(message, XS.RELEASE, OK)
    }
    case XS.IS_DOMAIN_INTRODUCED: {
      privileged(session)
      const n = domid(args(message, 1)[0])
      return session.reply(message, XS.IS_DOMAIN_INTRODUCED, strings(n === 0 || daemon.domains.has(n) ? 'T' : 'F'))
    }
    case XS.RESUME: {
      privileged(session)
      const n = domid(args(message, 1)[0])
      if (!daemon.domains.has(n)) fail('ENOENT', `domain ${n} is not introduced`)
      return session.reply(message, XS.RESUME, OK)
    }
    case XS.SET_TARGET: {
      privileged(session)
      const [id, target] = args(message, 2)
      const n = domid(id)
      const t = domid(target)
      if (!daemon.domains.has(n)) fail('ENOENT', `domain ${n} is not introduced`)
      for (const other of daemon.sessions) if (other.domid === n) other.target = t
      return session.reply(message, XS.SET_TARGET, OK)
    }
    case XS.CONTROL: {
      privileged(session)
      const { parts } = splitStrings(message.payload)
      const command = parts[0] ?? ''
      if (command === 'help') return session.reply(message, XS.CONTROL, strings('check\nprint\nhelp\nquota\n'))
      if (command === 'check' || command === 'print') return session.reply(message, XS.CONTROL, OK)
      if (command === 'quota') return session.reply(message, XS.CONTROL, strings(Object.entries(daemon.quotas).map(([k, v]) => `${k} ${v}`).join('\n')))
      return fail('EINVAL', `unknown control command ${JSON.stringify(command)}`)
    }
    default:
      return fail('ENOSYS', `unknown message type ${message.type}`)
  }
}
