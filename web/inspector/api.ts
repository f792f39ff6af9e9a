/** The inspector's calls to the JSON API of `irmin serve`. */
import type { ApiBranches, ApiCommit, ApiDiff, ApiError, ApiHistory, ApiInfo, ApiPaths, ApiTree, ApiValue } from './api-types.js'

async function get<T>(url: string): Promise<T> {
  const response = await fetch(url)
  const body = (await response.json()) as T | ApiError
  if (!response.ok) throw new Error((body as ApiError).error ?? `${response.status} ${response.statusText}`)
  return body as T
}

/** A store path in a URL: each step percent-encoded, joined with `/`. */
export function pathUrl(path: readonly string[]): string {
  return path.map(encodeURIComponent).join('/')
}

export const api = {
  info: () => get<ApiInfo>('/api/info'),
  branches: () => get<ApiBranches>('/api/branches'),
  history: (branch: string | undefined, after: string | undefined, limit = 100) => {
    const query = new URLSearchParams({ limit: String(limit) })
    if (branch !== undefined) query.set('branch', branch)
    if (after !== undefined) query.set('after', after)
    return get<ApiHistory>(`/api/history?${query}`)
  },
  tree: (commit: string, path: readonly string[]) => get<ApiTree>(`/api/tree/${encodeURIComponent(commit)}/${pathUrl(path)}`),
  value: (commit: string, path: readonly string[]) => get<ApiValue>(`/api/value/${encodeURIComponent(commit)}/${pathUrl(path)}`),
  rawValueUrl: (commit: string, path: readonly string[]) => `/api/value/${encodeURIComponent(commit)}/${pathUrl(path)}?raw`,
  commit: (commit: string) => get<ApiCommit>(`/api/commit/${encodeURIComponent(commit)}`),
  changes: (commit: string) => get<ApiDiff>(`/api/changes/${encodeURIComponent(commit)}`),
  paths: (commit: string, q: string) => get<ApiPaths>(`/api/paths/${encodeURIComponent(commit)}?${new URLSearchParams({ q })}`),
  diff: (a: string, b: string) => get<ApiDiff>(`/api/diff/${encodeURIComponent(a)}/${encodeURIComponent(b)}`),
}
