/**
 * Xenstore path rules (as C xenstored's `canonicalize`): an absolute path starts with `/`, has no
 * `//`, does not end in `/` (except `/` itself) and uses only `[A-Za-z0-9_@/-]`; a relative path
 * is taken under the connection's `/local/domain/<domid>`; `@introduceDomain` and
 * `@releaseDomain` name the special watch nodes. A node `/a/b` is the store's tree `a/b`.
 */
import { fail } from './errors.js'
import { ABS_PATH_MAX } from './wire.js'

export const SPECIAL_PATHS = ['@introduceDomain', '@releaseDomain'] as const
const VALID = /^[A-Za-z0-9_@/-]*$/
const LOCAL = /^\/local\/domain\/(\d{1,5})\//

export interface XsPath {
  /** The canonical absolute path (`/a/b`), or a special name (`@releaseDomain`). */
  readonly name: string
  /** Its steps in the store (`['a', 'b']`); empty for `/` and for special names. Shared: never change it. */
  readonly steps: readonly string[]
  readonly special: boolean
}

export function domainPath(domid: number): string {
  return `/local/domain/${domid}`
}

/**
 * Canonical paths already checked, by name: most requests name a path seen before, and checking
 * one again (two regular expressions, a split) is a good part of a READ's own work. Bounded: past
 * `CHECKED_MAX` names it starts afresh; long names are not kept.
 */
const checked = new Map<string, XsPath>()
const CHECKED_MAX = 1024
const CHECKED_LENGTH_MAX = 256

/**
 * `path` as given by domain `domid`, made absolute and checked. `pathMax`: the longest path
 * allowed below `/local/domain/<n>/` (the domain's quota; unlimited for dom0 but ABS_PATH_MAX).
 */
export function canonicalize(path: string | undefined, domid: number, options: { allowSpecial?: boolean; pathMax?: number } = {}): XsPath {
  if (path === undefined || path.length === 0) return fail('EINVAL', 'no path')
  if (path.charCodeAt(0) === 0x40) return check(path, path, options.allowSpecial === true) // '@': a special name, never cached
  const absolute = path.charCodeAt(0) === 0x2f // '/'
  const name = absolute ? path : `${domainPath(domid)}/${path}`
  let known = checked.get(name)
  if (known === undefined) {
    known = check(path, name, options.allowSpecial === true)
    if (!known.special && name.length <= CHECKED_LENGTH_MAX) {
      if (checked.size >= CHECKED_MAX) checked.clear()
      checked.set(name, known)
    }
  }
  // The domain's own quota (dom0 has none beyond ABS_PATH_MAX, which every checked name meets).
  if (options.pathMax !== undefined && !known.special) {
    const local = LOCAL.exec(name)
    if (name.length - (local ? local[0].length : 0) > options.pathMax) return fail('EINVAL', `path longer than the quota of ${options.pathMax}`)
  }
  return known
}

/** The rules every path meets (as given: `path`; made absolute: `name`). */
function check(path: string, name: string, allowSpecial: boolean): XsPath {
  if (!VALID.test(path)) return fail('EINVAL', `invalid character in path ${JSON.stringify(path)}`)
  if (path.startsWith('@')) {
    if (!allowSpecial) return fail('EINVAL', `special path ${path} not allowed here`)
    return { name: path, steps: [], special: true }
  }
  if (name.length > 1 && name.endsWith('/')) return fail('EINVAL', `path ${name} ends in /`)
  if (name.includes('//')) return fail('EINVAL', `path ${name} has an empty step`)
  if (name.length > ABS_PATH_MAX) return fail('EINVAL', `path longer than ${ABS_PATH_MAX}`)
  return { name, steps: name === '/' ? [] : name.slice(1).split('/'), special: false }
}

/** Whether `name` is `ancestor` or below it. */
export function isAtOrBelow(name: string, ancestor: string): boolean {
  if (ancestor === '/') return name.startsWith('/')
  return name === ancestor || name.startsWith(`${ancestor}/`)
}
