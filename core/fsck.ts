/**
 * `fsck`: every object hash-checks and parses as its type; every ref names an object that is
 * present, a branch (`refs/heads/…`) a commit; every object reachable from a ref is present,
 * annotated tags followed (a tag naming a missing object is damage, as a ref naming one is).
 * Parents missing where the recorded history boundary says history ends (a GC window, a shallow
 * clone) are not damage.
 *
 * One pass reads every object, in the order the backend lists them (pack order on the git
 * backend, so delta chains resolve from cached bases), checks it and records what it links to
 * (object-graph.ts); connectivity is then worked out from those links without reading anything
 * again. Memory: the graph's ~80 bytes per object and 4 per link, plus one batch of objects.
 */
import { Dir } from './dir.js'
import { CorruptObjectError, IrminError } from './errors.js'
import { localObjects, type ObjectStore } from './object-store.js'
import { unframeObject } from './objects/frame.js'
import { parseCommit } from './objects/git-commit.js'
import { parseTag } from './objects/git-tag.js'
import { BLOB, BROKEN, COMMIT, connectivity, ObjectGraph, TAG, TREE } from './object-graph.js'
import { readShallow, SHALLOW_REF } from './shallow.js'

export type DamageKind = 'corrupt' | 'missing' | 'dangling-ref' | 'not-a-commit' | 'missing-parent'

export interface Damage {
  readonly kind: DamageKind
  readonly id?: string
  readonly ref?: string
  readonly message: string
}

export interface FsckOptions {
  onProgress?(progress: { phase: 'objects' | 'refs' | 'reachable'; done: number }): void
}

export interface FsckReport {
  /** Objects read and checked. */
  objects: number
  refs: number
  /** Objects reachable from refs. */
  reachable: number
  /** The recorded end of history (commits whose parents were dropped on purpose). */
  boundary: string[]
  damage: Damage[]
  /** On a lazy store: reachable objects left to the remote (absent here by design, not damage). */
  promised?: number
  durationMs: number
}

const BATCH = 512

export async function checkStore(store: ObjectStore, options: FsckOptions = {}): Promise<FsckReport> {
  const started = Date.now()
  // A lazy store is checked in what it holds: nothing is fetched, and what is absent is promised.
  const objects = localObjects(store)
  const lazy = objects !== store
  const backend = objects.backend
  const damage: Damage[] = []
  // Every object is read once: what it links to is recorded as it is checked, and connectivity
  // worked out from that (nothing is read again in graph order).
  const graph = new ObjectGraph()
  let checked = 0
  let batch: string[] = []
  const flush = async () => {
    for (const [id, framed] of await readEach(backend, batch)) {
      if (framed instanceof Error) damage.push({ kind: 'corrupt', id, message: framed.message })
      else if (framed === undefined) damage.push({ kind: 'missing', id, message: `object ${id} is listed but cannot be read` })
      else {
        const problem = checkObject(objects, id, framed, graph)
        if (problem) damage.push({ kind: 'corrupt', id, message: problem })
      }
    }
    checked += batch.length
    batch = []
    options.onProgress?.({ phase: 'objects', done: checked })
  }
  // The refs before the listing: a writer puts a commit's objects before it moves a ref, so a
  // commit a ref names here is listed below. Read after, a ref could name a commit that landed
  // after the listing, which would read as missing on a store that is not damaged.
  const refs = await backend.listRefs()
  for await (const id of backend.objectIds()) {
    batch.push(id)
    if (batch.length >= BATCH) await flush()
  }
  await flush()

  const heads: string[] = []
  for (const [name, id] of refs) {
    if (name === SHALLOW_REF) continue
    const framed = (await backend.getObjects([id]))[0]
    if (framed === undefined) {
      damage.push({ kind: 'dangling-ref', ref: name, id, message: `ref ${name} names ${id}, which is missing` })
      continue
    }
    const type = objects.hash(framed) === id ? typeOf(id, framed) : undefined
    if (type === undefined) continue // corrupt: reported with the objects
    // A branch names a commit, as git requires; tags and other refs may name any object.
    if (name.startsWith('refs/heads/') && type !== 'commit') {
      damage.push({ kind: 'not-a-commit', ref: name, id, message: `ref ${name} names ${id}, a ${type}, not a commit` })
    } else heads.push(id)
  }
  options.onProgress?.({ phase: 'refs', done: refs.length })

  const boundary = await readShallow(objects)
  const recorded = new Set(boundary)
  // History ends at the recorded boundary: older commits a collection has not deleted yet (it was
  // interrupted) are leftovers, not history, as they are for git.
  const walk = connectivity(graph, heads, recorded)
  if (!lazy) for (const id of walk.missing) damage.push({ kind: 'missing', id, message: `object ${id} is reachable from a ref but missing` })
  for (const id of walk.boundary) {
    if (!recorded.has(id)) damage.push({ kind: 'missing-parent', id, message: `a parent of commit ${id} is missing and no history boundary is recorded there` })
  }
  const reached = walk.reached
  options.onProgress?.({ phase: 'reachable', done: reached })
  return { objects: checked, refs: refs.length, reachable: reached, boundary, damage, durationMs: Date.now() - started, ...(lazy && { promised: walk.missing.length }) }
}

/**
 * The objects of a batch; when the backend refuses the batch (it detected damage itself, say a
 * broken zlib stream), they are read one at a time so that the damaged ones are named.
 */
async function readEach(backend: ObjectStore['backend'], ids: readonly string[]): Promise<Array<[string, Uint8Array | undefined | IrminError]>> {
  try {
    const read = await backend.getObjects(ids)
    return ids.map((id, i) => [id, read[i]])
  } catch (error) {
    if (!(error instanceof IrminError)) throw error
    const out: Array<[string, Uint8Array | undefined | IrminError]> = []
    for (const id of ids) {
      try {
        out.push([id, (await backend.getObjects([id]))[0]])
      } catch (single) {
        if (!(single instanceof IrminError)) throw single
        out.push([id, single])
      }
    }
    return out
  }
}

/** The object's type, or undefined when its header is damaged. */
function typeOf(id: string, framed: Uint8Array): string | undefined {
  try {
    return unframeObject(id, framed).type
  } catch (error) {
    if (error instanceof CorruptObjectError) return undefined
    throw error
  }
}

/**
 * Why `framed` is not a valid object `id`, or undefined when it is (also what a sync server checks
 * of what arrives). With `graph`, records the object and what it links to.
 */
export function checkObject(objects: ObjectStore, id: string, framed: Uint8Array, graph?: ObjectGraph): string | undefined {
  const n = graph?.number(id) ?? -1
  try {
    if (objects.hash(framed) !== id) {
      graph?.record(n, BROKEN)
      return `object ${id}: contents do not hash to the id`
    }
    const { type, body } = unframeObject(id, framed)
    if (type === 'tree') {
      const dir = Dir.parse(id, body)
      if (!dir.isSorted()) {
        graph?.record(n, BROKEN)
        return `tree ${id}: entries are not in git order`
      }
      if (graph) {
        graph.record(n, TREE)
        dir.forEachChildRaw((bytes, offset, _isTree, isGitlink) => {
          if (!isGitlink) graph.link(graph.numberRaw(bytes, offset))
        })
      }
    } else if (type === 'commit') {
      const commit = parseCommit(id, body)
      if (graph) {
        graph.record(n, COMMIT)
        graph.link(graph.number(commit.tree))
        for (const parent of commit.parents) graph.link(graph.number(parent))
      }
    } else if (type === 'tag') {
      const tag = parseTag(id, body)
      if (graph) {
        graph.record(n, TAG)
        graph.link(graph.number(tag.object))
      }
    } else graph?.record(n, BLOB)
    return undefined
  } catch (error) {
    if (error instanceof CorruptObjectError) {
      graph?.record(n, BROKEN)
      return error.message
    }
    throw error
  }
}
