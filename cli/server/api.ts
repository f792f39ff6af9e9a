/**
 * The JSON API over a store (read-only): branches, commits, pages of history, trees, values and
 * diffs. Each handler takes the decoded URL segments after its name and the query, and returns
 * a reply or throws; `http.ts` turns what it throws into a 4xx/5xx JSON error.
 */
import { type CommitInfo, formatPath, NotAFileError, NotFoundError, type Path, type Repo, validatePath } from '../../index.js'
import type { ApiBranches, ApiCommit, ApiDiff, ApiHistory, ApiInfo, ApiPaths, ApiTree, ApiValue } from '../../web/inspector/api-types.js'
import { commitJson } from '../format/commit.js'
import { directoryEntries, entryKind } from '../store/objects.js'
import { branchHead, resolveCommit } from '../store/resolve.js'
import { diffCommits } from './api-diff.js'
import { encodeValue, rawType } from './encode.js'
import { HttpError } from './http-error.js'
import { searchPaths } from './path-search.js'

export type Reply = { json: unknown } | { bytes: Uint8Array; type: string }

/** A value larger than this is only served raw (`?raw`), not inside JSON. */
const JSON_VALUE_LIMIT = 1024 * 1024
const TREE_PAGE = 1000
const HISTORY_PAGE = 100
const HISTORY_PAGE_MAX = 1000
/** `after=` re-walks history to its cursor: this many commits at most, so a request is bounded. */
const HISTORY_WALK_MAX = 100_000

export interface ApiContext {
  readonly repo: Repo<Uint8Array>
  readonly info: ApiInfo
}

type Handler = (ctx: ApiContext, segments: string[], query: URLSearchParams) => Promise<Reply>

export const API: Readonly<Record<string, Handler>> = {
  async info(ctx, segments) {
    noMoreSegments(segments, 0)
    return { json: ctx.info }
  },

  async branches({ repo }, segments) {
    noMoreSegments(segments, 0)
    const names = await repo.branches()
    const heads = await Promise.all(names.map(name => repo.branch(name).headId()))
    const body: ApiBranches = { branches: names.map((name, i) => ({ name, head: heads[i]! })) }
    return { json: body }
  },

  async commit({ repo }, segments) {
    noMoreSegments(segments, 1)
    const id = await resolveCommit(repo, required(segments[0], 'a commit'))
    const body: ApiCommit = commitJson(await repo.readCommit(id))
    return { json: body }
  },

  async history({ repo }, segments, query) {
    noMoreSegments(segments, 0)
    const limit = pageSize(query.get('limit'))
    const branch = query.get('branch')
    const heads = branch === null ? await allHeads(repo) : [await branchHead(repo, branch)]
    const after = query.get('after')
    const commits: CommitInfo[] = []
    let skipping = after !== null
    let more = false
    let walked = 0
    for await (const commit of repo.history(heads)) {
      if (++walked > HISTORY_WALK_MAX) throw new HttpError(400, 'ETOODEEP', `after=${after}: not within the newest ${HISTORY_WALK_MAX} commits`)
      if (skipping) {
        skipping = commit.id !== after
        continue
      }
      if (commits.length === limit) {
        more = true
        break
      }
      commits.push(commit)
    }
    if (skipping) throw new HttpError(400, 'EBADQUERY', `after=${after}: no such commit in this history`)
    const body: ApiHistory = { commits: commits.map(commitJson), next: more ? commits[commits.length - 1].id : null }
    return { json: body }
  },

  async tree({ repo }, segments, query) {
    const id = await resolveCommit(repo, required(segments[0], 'a commit'))
    const path = pathOf(segments.slice(1))
    const after = query.get('after')
    const entries = await directoryEntries(repo, (await repo.readCommit(id)).tree, path)
    const start = after === null ? 0 : entries.findIndex(e => e.name > after)
    const page = start < 0 ? [] : entries.slice(start, start + TREE_PAGE)
    const more = start >= 0 && start + TREE_PAGE < entries.length
    const body: ApiTree = {
      commit: id,
      path: formatPath(path),
      entries: page.map(e => ({ name: e.name, kind: entryKind(e.mode), mode: e.mode, id: e.id })),
      next: more ? page[page.length - 1].name : null,
    }
    return { json: body }
  },

  async value({ repo }, segments, query) {
    const id = await resolveCommit(repo, required(segments[0], 'a commit'))
    const path = pathOf(segments.slice(1))
    if (path.length === 0) throw new HttpError(400, 'EBADREQUEST', 'a value needs a path: /api/value/COMMIT/PATH')
    const view = repo.commit(id)
    const kind = await view.kind(path)
    if (kind === undefined) throw new NotFoundError(formatPath(path))
    if (kind === 'dir') throw new NotAFileError(formatPath(path))
    const bytes = await view.get(path)
    if (query.has('raw')) return { bytes, type: rawType(path, bytes) }
    const body: ApiValue = { commit: id, path: formatPath(path), ...encodeValue(bytes, JSON_VALUE_LIMIT) }
    return { json: body }
  },

  async diff({ repo }, segments) {
    noMoreSegments(segments, 2)
    const [a, b] = [await resolveCommit(repo, required(segments[0], 'two commits')), await resolveCommit(repo, required(segments[1], 'two commits'))]
    const body: ApiDiff = await diffCommits(repo, a, b)
    return { json: body }
  },

  async changes({ repo }, segments) {
    noMoreSegments(segments, 1)
    const id = await resolveCommit(repo, required(segments[0], 'a commit'))
    const body: ApiDiff = await diffCommits(repo, (await repo.readCommit(id)).parents[0] ?? null, id)
    return { json: body }
  },

  async paths({ repo }, segments, query) {
    noMoreSegments(segments, 1)
    const id = await resolveCommit(repo, required(segments[0], 'a commit'))
    const body: ApiPaths = await searchPaths(repo, id, query.get('q') ?? '')
    return { json: body }
  },
}

async function allHeads(repo: Repo<Uint8Array>): Promise<string[]> {
  const names = await repo.branches()
  return (await Promise.all(names.map(name => repo.branch(name).headId()))) as string[]
}

function required(segment: string | undefined, what: string): string {
  if (segment === undefined || segment === '') throw new HttpError(400, 'EBADREQUEST', `the URL needs ${what}`)
  return segment
}

function noMoreSegments(segments: readonly string[], expected: number): void {
  if (segments.length > expected) throw new HttpError(404, 'ENOROUTE', `no such API route (unexpected /${segments.slice(expected).join('/')})`)
}

/** URL segments as a store path; a trailing `/` (an empty last segment) is allowed. */
function pathOf(segments: readonly string[]): Path {
  const steps = segments.length > 0 && segments[segments.length - 1] === '' ? segments.slice(0, -1) : segments
  validatePath(steps)
  return steps
}

function pageSize(text: string | null): number {
  if (text === null) return HISTORY_PAGE
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > HISTORY_PAGE_MAX) {
    throw new HttpError(400, 'EBADQUERY', `limit must be a whole number from 1 to ${HISTORY_PAGE_MAX}`)
  }
  return Number(text)
}
