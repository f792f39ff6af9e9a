/**
 * Raw object reads for what the `Tree` API does not show: entry modes and ids (the inspector's
 * tree view, `export`), object types (commit prefixes), and how many objects there are (the
 * progress bars of gc and fsck). They go straight to the backend, in batches, and are
 * hash-checked; nothing is cached, so they never crowd out what readers cache.
 */
import {
  CorruptObjectError,
  GITLINK_MODE,
  type GitTreeEntry,
  MissingObjectError,
  NotFoundError,
  type ObjectType,
  parseTree,
  type Path,
  type Repo,
  TREE_MODE,
  unframeObject,
  WrongObjectTypeError,
} from '../../index.js'
import { NotADirectoryError } from '../errors.js'

export type EntryKind = 'dir' | 'file' | 'submodule'

export function entryKind(mode: string): EntryKind {
  return mode === TREE_MODE ? 'dir' : mode === GITLINK_MODE ? 'submodule' : 'file'
}

/** The framed bytes of objects, in one backend call, each checked against its id. */
export async function readObjects(repo: Repo<Uint8Array>, ids: readonly string[]): Promise<Uint8Array[]> {
  const found = await repo.backend.getObjects(ids)
  return found.map((framed, i) => {
    if (framed === undefined) throw new MissingObjectError(ids[i])
    if (repo.objects.hash(framed) !== ids[i]) throw new CorruptObjectError(ids[i], 'contents do not hash to the id')
    return framed
  })
}

/** The bodies of objects of one type, in one backend call. */
export async function readBodies(repo: Repo<Uint8Array>, ids: readonly string[], type: ObjectType): Promise<Uint8Array[]> {
  return (await readObjects(repo, ids)).map((framed, i) => {
    const parsed = unframeObject(ids[i], framed)
    if (parsed.type !== type) throw new WrongObjectTypeError(ids[i], type, parsed.type)
    return parsed.body
  })
}

export async function treeEntries(repo: Repo<Uint8Array>, treeId: string): Promise<GitTreeEntry[]> {
  const [body] = await readBodies(repo, [treeId], 'tree')
  return parseTree(treeId, body).map(({ mode, name, id }) => ({ mode, name, id }))
}

/** The entries of the directory at `path` under the tree `rootTree`. */
export async function directoryEntries(repo: Repo<Uint8Array>, rootTree: string, path: Path): Promise<GitTreeEntry[]> {
  let entries = await treeEntries(repo, rootTree)
  for (const [depth, step] of path.entries()) {
    const entry = entries.find(e => e.name === step)
    const here = path.slice(0, depth + 1).join('/')
    if (entry === undefined) throw new NotFoundError(here)
    if (entry.mode !== TREE_MODE) throw new NotADirectoryError(here)
    entries = await treeEntries(repo, entry.id)
  }
  return entries
}

/** The types of objects (undefined for those the store lacks), in one backend call. */
export async function objectTypes(repo: Repo<Uint8Array>, ids: readonly string[]): Promise<Array<ObjectType | undefined>> {
  const found = await repo.backend.getObjects(ids)
  return found.map((framed, i) => (framed === undefined ? undefined : unframeObject(ids[i], framed).type))
}

/** How many objects the store holds (one pass over the id listing; nothing is read). */
export async function countObjects(repo: Repo<Uint8Array>): Promise<number> {
  let count = 0
  for await (const _ of repo.backend.objectIds()) count++
  return count
}
