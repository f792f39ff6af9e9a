/**
 * `GET /api/paths/COMMIT?q=TEXT`: the paths of a commit whose text contains every word of the
 * query (case-insensitive), directories included, in path order. The tree is walked a level at a
 * time, each level's directories read in one backend call; the walk stops after a bounded number
 * of entries, and the answer says when it did (or when more matches were left out).
 */
import { parseTree, type Repo, TREE_MODE } from '../../index.js'
import type { ApiPathMatch, ApiPaths } from '../../web/inspector/api-types.js'
import { entryKind, readBodies } from '../store/objects.js'
import { HttpError } from './http-error.js'

export const SEARCH_RESULTS_MAX = 200
/** Entries looked at, at most, per search: bounds the time a request takes on a huge tree. */
export const SEARCH_WALK_MAX = 200_000
const QUERY_MAX = 200

export async function searchPaths(repo: Repo<Uint8Array>, commit: string, query: string): Promise<ApiPaths> {
  if (query.length > QUERY_MAX) throw new HttpError(400, 'EBADQUERY', `q is longer than ${QUERY_MAX} characters`)
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  if (words.length === 0) throw new HttpError(400, 'EBADQUERY', 'q needs some text to look for')
  const matches: ApiPathMatch[] = []
  let walked = 0
  let truncated = false
  let level: Array<{ prefix: string; tree: string }> = [{ prefix: '', tree: (await repo.readCommit(commit)).tree }]
  while (level.length > 0 && !truncated) {
    const bodies = await readBodies(repo, level.map(d => d.tree), 'tree')
    const next: typeof level = []
    for (const [i, { prefix }] of level.entries()) {
      for (const entry of parseTree(level[i].tree, bodies[i])) {
        if (++walked > SEARCH_WALK_MAX) truncated = true
        if (truncated) break
        const path = prefix + entry.name
        if (entry.mode === TREE_MODE) next.push({ prefix: `${path}/`, tree: entry.id })
        const lower = path.toLowerCase()
        if (words.every(word => lower.includes(word))) matches.push({ path, kind: entryKind(entry.mode) })
      }
    }
    level = next
  }
  matches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { commit, query, paths: matches.slice(0, SEARCH_RESULTS_MAX), truncated: truncated || matches.length > SEARCH_RESULTS_MAX }
}
