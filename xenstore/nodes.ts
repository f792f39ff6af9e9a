/**
 * Xenstore nodes on the store. A node `/a/b` is the tree `a/b`; its value is the blob `a/b/.v`
 * and its permissions the blob `a/b/.p` (their wire form, `n0\0r5\0`). Names starting with `.`
 * can never be Xenstore path elements, so they cannot clash with children. Every node has a
 * `.p`, which is also what keeps an empty node's tree from vanishing (git has no empty trees).
 *
 * The operations run on a `NodeAccess` (access.ts) over the daemon's in-memory tree: one
 * request's, or an open transaction's fork, which notes what it read. What an operation does
 * beyond the tree (watch events to fire, entries gained or lost per owner) is collected in
 * `Effects`, applied by the caller only once the change holds.
 */
import type { NodeAccess } from './access.js'
import { fail } from './errors.js'
import { walkNodes } from './node-tree.js'
import { isAtOrBelow, type XsPath } from './paths.js'
import { accessFor, type Caller, decodePerms, formatPerms, isPrivileged, ownerOf, OWNER, type Perm, READ, WRITE } from './perms.js'
import { latin1Bytes } from './wire.js'

export const VALUE = '.v'
export const PERMS = '.p'

/** A watch event to fire once the change commits: `exact` matches only watches on `name` itself. */
export interface NodeEvent {
  readonly name: string
  readonly exact: boolean
  /** Who may see it: a watcher that may read the node under any of these. */
  readonly perms: readonly Perm[][]
}

export class Effects {
  readonly events: NodeEvent[] = []
  /** Entries gained (or lost) per owning domain; made on the first count (a WRITE of an existing node makes none). */
  owners: Map<number, number> | undefined

  count(domid: number, delta: number): void {
    this.owners ??= new Map()
    this.owners.set(domid, (this.owners.get(domid) ?? 0) + delta)
  }

  /** Entries gained (or lost) by `domid` so far. */
  gained(domid: number): number {
    return this.owners?.get(domid) ?? 0
  }

  merge(other: Effects): void {
    this.events.push(...other.events)
    if (other.owners) for (const [domid, delta] of other.owners) this.count(domid, delta)
  }
}

export interface Limits {
  /** Entries a domain owns now (committed), for the entries quota. */
  entries(domid: number): number
  readonly maxEntries: number
  readonly maxValue: number
}

const text = new TextDecoder('latin1')
const EMPTY = new Uint8Array(0)
/** Decoded perms by stored bytes: nodes share few distinct lists, and a node's copies share its bytes. */
const decoded = new WeakMap<Uint8Array, Perm[]>()

export function permsFrom(stored: Uint8Array): Perm[] {
  let perms = decoded.get(stored)
  if (perms === undefined) {
    perms = decodePerms(text.decode(stored))
    decoded.set(stored, perms)
  }
  return perms
}

/** The perms of the node at `steps` (its first `depth` steps), or undefined when there is no such node. */
export function permsOf(reader: NodeAccess, steps: readonly string[], depth = steps.length): Perm[] | undefined {
  const stored = reader.perms(steps, depth)
  return stored === undefined ? undefined : permsFrom(stored)
}

/**
 * The perms of the node at `path` when `caller` may access it as `need` asks. A missing node is
 * ENOENT, unless its nearest existing ancestor would not grant `need` (EACCES then, so that a
 * domain learns nothing about where it may not look), as C xenstored answers.
 */
export function checkedNode(reader: NodeAccess, caller: Caller, path: XsPath, need: number): Perm[] {
  const found = lookupNode(reader, caller, path, need)
  if (found === 'ENOENT') return fail('ENOENT', `no node ${path.name}`)
  if (found === 'EACCES') return fail('EACCES', `no access to ${path.name}`)
  return found
}

/**
 * `checkedNode`'s answer without throwing: WRITE, MKDIR and RM meet missing nodes all the time,
 * and an error object (its stack captured) costs more than the rest of such a request.
 */
function lookupNode(reader: NodeAccess, caller: Caller, path: XsPath, need: number): Perm[] | 'ENOENT' | 'EACCES' {
  const perms = permsOf(reader, path.steps)
  if (perms === undefined) {
    const ancestor = nearestAncestor(reader, path.steps)
    return (accessFor(caller, ancestor.perms) & need) !== need ? 'EACCES' : 'ENOENT'
  }
  return (accessFor(caller, perms) & need) !== need ? 'EACCES' : perms
}

function nearestAncestor(reader: NodeAccess, steps: readonly string[]): { depth: number; perms: Perm[] } {
  for (let depth = steps.length - 1; depth >= 0; depth--) {
    const perms = permsOf(reader, steps, depth)
    if (perms !== undefined) return { depth, perms }
  }
  return fail('EIO', 'the root node has no permissions')
}

export function readValue(reader: NodeAccess, caller: Caller, path: XsPath): Uint8Array {
  checkedNode(reader, caller, path, READ)
  return reader.value(path.steps) ?? EMPTY
}

/** The children's names, in the store's (stable, sorted) order. */
export function childrenOf(reader: NodeAccess, caller: Caller, path: XsPath): readonly string[] {
  checkedNode(reader, caller, path, READ)
  return reader.list(path.steps)
}

export function getPerms(reader: NodeAccess, caller: Caller, path: XsPath): Perm[] {
  return checkedNode(reader, caller, path, READ)
}

/** WRITE: sets the value, creating the node and missing parents (empty values, inherited perms). */
export function writeNode(access: NodeAccess, caller: Caller, path: XsPath, value: Uint8Array, limits: Limits, effects: Effects): void {
  if (!isPrivileged(caller) && value.length > limits.maxValue) fail('ENOSPC', `value of ${value.length} bytes (quota ${limits.maxValue})`)
  const perms = existingOrCreatable(access, caller, path, WRITE)
  const own = perms ?? create(access, caller, path, limits, effects)
  access.setValue(path.steps, value)
  effects.events.push({ name: path.name, exact: false, perms: [own] })
}

/** MKDIR: creates the node (empty value) unless it exists. */
export function makeNode(access: NodeAccess, caller: Caller, path: XsPath, limits: Limits, effects: Effects): void {
  const perms = existingOrCreatable(access, caller, path, WRITE)
  if (perms !== undefined) return
  const own = create(access, caller, path, limits, effects)
  effects.events.push({ name: path.name, exact: false, perms: [own] })
}

/** The node's perms when it exists, undefined when it may be created; throws otherwise. */
function existingOrCreatable(reader: NodeAccess, caller: Caller, path: XsPath, need: number): Perm[] | undefined {
  const found = lookupNode(reader, caller, path, need)
  if (found === 'EACCES') return fail('EACCES', `no access to ${path.name}`)
  return found === 'ENOENT' ? undefined : found
}

/** Creates the node and its missing parents, each inheriting its parent's perms; unprivileged callers own what they create. */
function create(access: NodeAccess, caller: Caller, path: XsPath, limits: Limits, effects: Effects): Perm[] {
  const ancestor = nearestAncestor(access, path.steps)
  let perms = ancestor.perms
  if (!isPrivileged(caller)) perms = [{ kind: perms[0]!.kind, domid: caller.domid }, ...perms.slice(1)]
  const stored = latin1Bytes(formatPerms(perms))
  const owner = ownerOf(perms)
  const fresh = path.steps.length - ancestor.depth
  if (!isPrivileged(caller) && limits.entries(caller.domid) + effects.gained(caller.domid) + fresh > limits.maxEntries) {
    fail('ENOSPC', `domain ${caller.domid} would own more than ${limits.maxEntries} entries`)
  }
  // A new node has an empty value: setting its perms creates it.
  for (let depth = ancestor.depth + 1; depth <= path.steps.length; depth++) access.setPerms(path.steps.slice(0, depth), stored)
  effects.count(owner, fresh)
  return perms
}

/** RM: removes the node and everything below it; a missing node whose parent exists is fine. */
export function removeNode(access: NodeAccess, caller: Caller, path: XsPath, effects: Effects): void {
  const perms = lookupNode(access, caller, path, WRITE)
  if (perms === 'EACCES') return fail('EACCES', `no access to ${path.name}`)
  if (perms === 'ENOENT') {
    if (path.steps.length > 0 && permsOf(access, path.steps, path.steps.length - 1) !== undefined) return
    return fail('ENOENT', `no node ${path.name}`)
  }
  if (path.steps.length === 0) fail('EINVAL', 'cannot remove /')
  const subtree = access.subtree(path.steps)
  const below: NodeEvent[] = []
  if (subtree !== undefined) {
    for (const [steps, node] of walkNodes(subtree)) {
      const nodePerms = permsFrom(node.perms)
      effects.count(ownerOf(nodePerms), -1)
      if (steps.length > 0) below.push({ name: `${path.name}/${steps.join('/')}`, exact: true, perms: [nodePerms] })
    }
  }
  // Deepest first, then the node itself: the order C xenstored fires them in.
  below.sort((a, b) => b.name.split('/').length - a.name.split('/').length)
  effects.events.push(...below, { name: path.name, exact: false, perms: [perms] })
  access.remove(path.steps)
}

/** SET_PERMS: the owner (or dom0) sets the list; only dom0 may give the node away. */
export function setPerms(access: NodeAccess, caller: Caller, path: XsPath, perms: Perm[], effects: Effects): void {
  const old = checkedNode(access, caller, path, WRITE | OWNER)
  if (!isPrivileged(caller) && ownerOf(perms) !== ownerOf(old)) fail('EPERM', 'only dom0 may change the owner')
  access.setPerms(path.steps, latin1Bytes(formatPerms(perms)))
  effects.count(ownerOf(old), -1)
  effects.count(ownerOf(perms), 1)
  effects.events.push({ name: path.name, exact: false, perms: [perms, old] })
}

/** Whether a watch on `watched` sees an event for `event`. */
export function watchMatches(watched: string, event: NodeEvent): boolean {
  return event.exact ? watched === event.name : isAtOrBelow(event.name, watched)
}

