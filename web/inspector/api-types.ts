/**
 * The JSON API of `irmin serve`, as the server writes it and the inspector reads it. Commits in
 * URLs are branch names, commit ids or unique id prefixes; paths are `a/b/c`, each step
 * percent-encoded. Every error is a 4xx or 5xx status with an `ApiError` body.
 */
import type { LineHunk } from '../../core/line-diff.js'

/** `GET /api/info` */
export interface ApiInfo {
  backend: 'level' | 'git' | 'postgres' | 'memory'
  /** The store directory's own name (never its absolute path); null for a memory store. */
  name: string | null
}

export interface ApiError {
  error: string
  code: string
}

export interface ApiBranch {
  name: string
  head: string
}

/** `GET /api/branches` */
export interface ApiBranches {
  branches: ApiBranch[]
}

/** `GET /api/commit/:commit`, and each commit of a history page. */
export interface ApiCommit {
  id: string
  tree: string
  parents: string[]
  author: string
  committer: string
  /** ISO 8601, UTC. */
  date: string
  message: string
}

/**
 * `GET /api/history?branch=NAME&limit=N&after=ID`: commits newest first (all branches without
 * `branch`); `next` is the `after` of the following page, null on the last page.
 */
export interface ApiHistory {
  commits: ApiCommit[]
  next: string | null
}

export type ApiEntryKind = 'dir' | 'file' | 'submodule'

export interface ApiTreeEntry {
  name: string
  kind: ApiEntryKind
  /** Git's mode: 100644 file, 100755 executable, 120000 symbolic link, 40000 directory. */
  mode: string
  id: string
}

/** `GET /api/tree/:commit/*path` */
export interface ApiTree {
  commit: string
  path: string
  /** At most a page of entries, in name order. */
  entries: ApiTreeEntry[]
  /** The name to pass as `after=` for the next page; null on the last page. */
  next: string | null
}

/** A value: UTF-8 text as is, other bytes as base64; in diffs, large values are left out. */
export type ApiEncodedValue = { encoding: 'utf8' | 'base64'; value: string; size: number } | { encoding: 'omitted'; size: number }

/** `GET /api/value/:commit/*path` (with `?raw`: the bytes themselves). */
export type ApiValue = ApiEncodedValue & { commit: string; path: string }

export interface ApiChange {
  path: string
  kind: 'added' | 'removed' | 'updated'
  before?: ApiEncodedValue
  after?: ApiEncodedValue
  /**
   * The line diff (core/line-diff.ts: git's hunks, 3 lines of context), when both sides (or the
   * one there is) are text of at most 1 MiB; absent for binary or larger values.
   */
  hunks?: LineHunk[]
}

/**
 * `GET /api/diff/:a/:b`: what changed from commit a to commit b, by path. `GET /api/changes/:commit`:
 * what a commit changed against its first parent (`a` is null for a root commit: against nothing).
 */
export interface ApiDiff {
  a: string | null
  b: string
  /** The first changes, at most a cap of them. */
  changes: ApiChange[]
  /** Whether more changes were left out. */
  truncated: boolean
}

export interface ApiPathMatch {
  /** `a/b/c` */
  path: string
  kind: ApiEntryKind
}

/** `GET /api/paths/:commit?q=TEXT`: paths containing every word of TEXT, in path order. */
export interface ApiPaths {
  commit: string
  query: string
  paths: ApiPathMatch[]
  /** Whether more paths match than are listed (or the tree was too large to search whole). */
  truncated: boolean
}
