/**
 * Fetch filters (sync/PROTOCOL.md, POST fetch): what part of each commit's closure a fetch sends.
 * One parser for the server (which checks requests) and the client (which checks options).
 */
import { formatPath, InvalidPathError, parsePath, type Path } from '../core/index.js'
import { BadRequestError } from './errors.js'

export type Filter =
  | { readonly kind: 'none' }
  /** Commits and trees, no blobs. */
  | { readonly kind: 'blob:none' }
  /** Commits only. */
  | { readonly kind: 'tree:0' }
  /** Commits, the trees on the way to `path`, and everything under it. */
  | { readonly kind: 'path'; readonly path: Path }

export const NO_FILTER: Filter = { kind: 'none' }

export function parseFilter(text: unknown): Filter {
  if (text === undefined || text === null) return NO_FILTER
  if (text === 'blob:none' || text === 'tree:0') return { kind: text }
  if (typeof text === 'string' && text.startsWith('path:')) {
    let path: Path
    try {
      path = parsePath(text.slice('path:'.length))
    } catch (error) {
      if (error instanceof InvalidPathError) throw new BadRequestError(`bad filter ${JSON.stringify(text)}: ${error.message}`)
      throw error
    }
    if (path.length === 0) return NO_FILTER
    return { kind: 'path', path }
  }
  throw new BadRequestError(`bad filter ${JSON.stringify(text)}: expected "blob:none", "tree:0" or "path:<a/b>"`)
}

/** The wire spelling; undefined for no filter. */
export function formatFilter(filter: Filter): string | undefined {
  switch (filter.kind) {
    case 'none':
      return undefined
    case 'path':
      return `path:${formatPath(filter.path)}`
    default:
      return filter.kind
  }
}
