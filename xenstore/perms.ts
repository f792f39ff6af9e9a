/**
 * Node permissions as Xenstore has them: a list of `[wrbn]<domid>` entries. The first names the
 * owner (who may do everything) and what every other domain may do; later entries grant a
 * domain its own access. Dom0 (and a domain acting for its target, after SET_TARGET) is
 * privileged as the spec says: dom0 may do everything everywhere.
 */
import { fail } from './errors.js'

export type PermKind = 'n' | 'r' | 'w' | 'b'
export interface Perm {
  readonly kind: PermKind
  readonly domid: number
}

export const READ = 1
export const WRITE = 2
export const OWNER = 4

const BITS: Record<PermKind, number> = { n: 0, r: READ, w: WRITE, b: READ | WRITE }

/** Who asks: a domain, possibly acting for a target domain. */
export interface Caller {
  readonly domid: number
  readonly target?: number
}

export const isPrivileged = (caller: Caller): boolean => caller.domid === 0

/** Perms from their wire strings (`["n0", "r5"]`); EINVAL when one is malformed. */
export function parsePerms(parts: readonly string[]): Perm[] {
  if (parts.length === 0) return fail('EINVAL', 'no permissions')
  return parts.map(part => {
    const match = /^([wrbn])(\d{1,10})$/.exec(part)
    if (!match || Number(match[2]) > 0xffff) return fail('EINVAL', `invalid permission ${JSON.stringify(part)}`)
    return { kind: match[1] as PermKind, domid: Number(match[2]) }
  })
}

/** The stored (and wire) form: each entry NUL-terminated. */
export function formatPerms(perms: readonly Perm[]): string {
  return perms.map(p => `${p.kind}${p.domid}\0`).join('')
}

/** Perms from their stored form. */
export function decodePerms(stored: string): Perm[] {
  return parsePerms(stored.split('\0').filter(part => part.length > 0))
}

const allows = (caller: Caller, domid: number): boolean => caller.domid === domid || caller.target === domid

/** What `caller` may do with a node whose perms are `perms`: READ | WRITE | OWNER bits. */
export function accessFor(caller: Caller, perms: readonly Perm[]): number {
  const owner = perms[0]!
  if (isPrivileged(caller) || allows(caller, owner.domid)) return READ | WRITE | OWNER
  for (let i = 1; i < perms.length; i++) if (allows(caller, perms[i]!.domid)) return BITS[perms[i]!.kind]
  return BITS[owner.kind]
}

export const ownerOf = (perms: readonly Perm[]): number => perms[0]!.domid
