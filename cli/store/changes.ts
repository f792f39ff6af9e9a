/**
 * What changed between two trees, file by file, with modes and blob ids (what `git diff`'s
 * header lines show), in git's order: a tree walk where a directory sorts as `name/`, so a
 * file turned into a directory is a deletion and then additions, as git shows it. Subtrees with
 * equal ids are skipped whole; blobs are read only for the patch, one file at a time.
 */
import { compareEntryNames, type GitTreeEntry, isBinary, lineDiff, type LineHunk, TREE_MODE } from '../../index.js'
import { type CommitInfo, NotFoundError, type Repo } from '../../index.js'
import { readBodies, treeEntries } from './objects.js'

export interface Side {
  readonly mode: string
  readonly id: string
}

export interface FileChange {
  /** `a/b/c`. */
  readonly path: string
  readonly before?: Side
  readonly after?: Side
}

export interface FilePatch extends FileChange {
  /** Line hunks when both sides are text; none when only the mode changed. */
  readonly hunks?: readonly LineHunk[]
  /** Either side is binary (a NUL in its first 8,000 bytes, as git decides). */
  readonly binary?: { readonly before: number; readonly after: number }
}

/** The file changes from tree `a` to tree `b` (undefined: the empty tree, as for a root commit). */
export async function treeChanges(repo: Repo<Uint8Array>, a: string | undefined, b: string | undefined): Promise<FileChange[]> {
  const out: FileChange[] = []
  await walk(repo, a, b, '', out)
  return out
}

async function walk(repo: Repo<Uint8Array>, a: string | undefined, b: string | undefined, prefix: string, out: FileChange[]): Promise<void> {
  if (a === b) return
  const [ea, eb] = await Promise.all([a ? treeEntries(repo, a) : [], b ? treeEntries(repo, b) : []])
  const key = (e: GitTreeEntry) => (e.mode === TREE_MODE ? `${e.name}/` : e.name)
  const before = new Map(ea.map(e => [key(e), e]))
  const after = new Map(eb.map(e => [key(e), e]))
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort((x, y) => compareEntryNames(x, false, y, false))
  for (const k of keys) {
    const [x, y] = [before.get(k), after.get(k)]
    const path = prefix + (x ?? y)!.name
    if (k.endsWith('/')) {
      if (x?.id !== y?.id) await walk(repo, x?.id, y?.id, `${path}/`, out)
    } else if (x?.id !== y?.id || x?.mode !== y?.mode) {
      out.push({ path, ...(x ? { before: { mode: x.mode, id: x.id } } : {}), ...(y ? { after: { mode: y.mode, id: y.id } } : {}) })
    }
  }
}

/** A change with its line hunks (or, for binary data, the two sizes). */
export async function patchOf(repo: Repo<Uint8Array>, change: FileChange): Promise<FilePatch> {
  if (change.before?.id === change.after?.id) return change
  const [before, after] = await Promise.all([change.before, change.after].map(side => (side ? readBodies(repo, [side.id], 'blob').then(([body]) => body) : new Uint8Array())))
  if (isBinary(before) || isBinary(after)) return { ...change, binary: { before: before.length, after: after.length } }
  const text = new TextDecoder()
  return { ...change, hunks: lineDiff(text.decode(before), text.decode(after)) }
}

/** What a commit changed against its first parent (against nothing for a root, or where history was cut). */
export async function commitPatches(repo: Repo<Uint8Array>, commit: CommitInfo): Promise<FilePatch[]> {
  const parent = commit.parents[0]
  const base = parent === undefined ? undefined : await repo.readCommit(parent).then(c => c.tree, error => (error instanceof NotFoundError ? undefined : Promise.reject(error)))
  const patches: FilePatch[] = []
  for (const change of await treeChanges(repo, base, commit.tree)) patches.push(await patchOf(repo, change))
  return patches
}

/** A patch as `--json` gives it. */
export function patchJson(p: FilePatch) {
  return { path: p.path, kind: !p.before ? 'added' : !p.after ? 'removed' : 'updated', before: p.before ?? null, after: p.after ?? null, ...(p.binary ? { binary: p.binary } : { hunks: p.hunks ?? [] }) }
}
