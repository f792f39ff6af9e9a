/**
 * Values remember their type. A write with `--contents KIND` (other than the default, string)
 * records KIND for the top-level directory (or value) it writes under: `stats/visits` written
 * with `--contents counter` makes everything under `stats` counters. Later commands without
 * `--contents` read, write and merge there by the recorded type; a `--contents` that contradicts
 * it is refused, naming the recorded type. The record is a JSON blob, `{ "stats": "counter" }`,
 * named by the ref `refs/irmin/contents-types` (so GC keeps it and sync leaves it alone), moved
 * by compare-and-swap.
 */
import { frameObject, type Path, type Repo, unframeObject } from '../../index.js'
import { CONTENTS_NAMES } from '../codecs.js'
import type { ContentsName, GlobalOptions } from '../command.js'
import { ContentsMismatchError } from '../errors.js'

export const CONTENTS_TYPES_REF = 'refs/irmin/contents-types'

export type ContentsTypes = Record<string, ContentsName>

export async function readContentsTypes(repo: Repo<Uint8Array>): Promise<ContentsTypes> {
  const id = await repo.backend.getRef(CONTENTS_TYPES_REF)
  if (id === undefined) return {}
  const [framed] = await repo.backend.getObjects([id])
  if (framed === undefined) return {}
  const parsed = JSON.parse(new TextDecoder().decode(unframeObject(id, framed).body)) as Record<string, string>
  return Object.fromEntries(Object.entries(parsed).filter(([, kind]) => CONTENTS_NAMES.includes(kind as ContentsName))) as ContentsTypes
}

/** The type to read and write `path` with: the recorded one, else --contents; a contradicting --contents is refused. */
export function contentsFor(globals: GlobalOptions, types: ContentsTypes, path: Path): ContentsName {
  const recorded = types[path[0]]
  if (recorded === undefined) return globals.contents
  if (globals.contentsGiven && globals.contents !== recorded) throw new ContentsMismatchError(path[0], recorded, globals.contents)
  return recorded
}

/** Records --contents for the top-level names of `paths` that have no type yet (a given, non-string --contents only). */
export async function recordContentsTypes(repo: Repo<Uint8Array>, globals: GlobalOptions, paths: readonly Path[]): Promise<void> {
  if (!globals.contentsGiven || globals.contents === 'string') return
  await recordContentsType(repo, paths.map(path => path[0]), globals.contents)
}

/** Records `kind` for those of the top-level `names` that have no type yet. */
export async function recordContentsType(repo: Repo<Uint8Array>, names: readonly string[], kind: ContentsName): Promise<void> {
  for (;;) {
    const before = await repo.backend.getRef(CONTENTS_TYPES_REF)
    const types = await readContentsTypes(repo)
    const fresh = names.filter(step => types[step] === undefined)
    if (fresh.length === 0) return
    for (const step of fresh) types[step] = kind
    const sorted = Object.fromEntries(Object.entries(types).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    const framed = frameObject('blob', new TextEncoder().encode(JSON.stringify(sorted)))
    const id = repo.objects.hash(framed)
    await repo.objects.write([[id, framed]])
    if (await repo.backend.casRef(CONTENTS_TYPES_REF, before, id)) return
  }
}
