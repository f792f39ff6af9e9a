/**
 * The commits a server's walks read, kept per served backend: a commit is immutable, so what was
 * read for one clone holds for the next. Finding what to send walks the history one commit
 * after another (a linear history gives one parent per step, nothing to batch): 10,000 reads in
 * a row before the first byte goes out, ~0.2 s of a clone; cached, they are map lookups. Bounded
 * (`RecentMap`): at most `KEPT` commits, ~0.5 KB each.
 */
import type { Backend } from '../../core/index.js'
import { RecentMap } from '../../core/recent-map.js'

export interface CachedCommit {
  readonly tree: string
  readonly parents: readonly string[]
  readonly framed: Uint8Array
}

const KEPT = 32_768
const caches = new WeakMap<Backend, RecentMap<string, CachedCommit>>()

export function commitCache(backend: Backend): RecentMap<string, CachedCommit> {
  let cache = caches.get(backend)
  if (cache === undefined) caches.set(backend, (cache = new RecentMap(KEPT)))
  return cache
}
