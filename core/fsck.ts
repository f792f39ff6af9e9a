/**
 * `fsck`: every object hash-checks and parses as its type; every ref names a commit that is
 * present; every object reachable from a ref is present. Parents missing where the recorded
 * history boundary says history ends (a GC window, a shallow clone) are not damage.
 */
import { COMMIT } from './commit.js'
import { Dir } from './dir.js'
import { CorruptObjectError, IrminError } from './errors.js'
import type { ObjectStore } from './object-store.js'
import { unframeObject } from './objects/frame.js'
import { parseCommit } from './objects/git-commit.js'
import { reachable } from './reachable.js'
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
  durationMs: number
}

const BATCH = 512

export async function checkStore(objects: ObjectStore, options: FsckOptions = {}): Promise<FsckReport> {
  const started = Date.now()
  const backend = objects.backend
  const damage: Damage[] = []
  let checked = 0
  let batch: string[] = []
  const flush = async () => {
    for (const [id, framed] of await readEach(backend, batch)) {
      if (framed instanceof Error) damage.push({ kind: 'corrupt', id, message: framed.message })
      else if (framed === undefined) damage.push({ kind: 'missing', id, message: `object ${id} is listed but cannot be read` })
      else {
        const problem = checkObject(objects, id, framed)
        if (problem) damage.push({ kind: 'corrupt', id, message: problem })
      }
    }
    checked += batch.length
    batch = []
    options.onProgress?.({ phase: 'objects', done: checked })
  }
  for await (const id of backend.objectIds()) {
    batch.push(id)
    if (batch.length >= BATCH) await flush()
  }
  await flush()

  const refs = await backend.listRefs()
  const heads: string[] = []
  for (const [name, id] of refs) {
    if (name === SHALLOW_REF) continue
    const present = (await backend.hasObjects([id]))[0]
    if (!present) damage.push({ kind: 'dangling-ref', ref: name, id, message: `ref ${name} names ${id}, which is missing` })
    else {
      try {
        await objects.load(id, COMMIT)
        heads.push(id)
      } catch (error) {
        if (!(error instanceof IrminError)) throw error
        damage.push({ kind: 'not-a-commit', ref: name, id, message: `ref ${name}: ${error.message}` })
      }
    }
  }
  options.onProgress?.({ phase: 'refs', done: refs.length })

  const boundary = await readShallow(objects)
  const recorded = new Set(boundary)
  // History ends at the recorded boundary: older commits a collection has not deleted yet (it was
  // interrupted) are leftovers, not history, as they are for git.
  const walk = await reachable(objects, heads, { shallow: recorded })
  for (const id of walk.missing) damage.push({ kind: 'missing', id, message: `object ${id} is reachable from a ref but missing` })
  for (const id of walk.boundary) {
    if (!recorded.has(id)) damage.push({ kind: 'missing-parent', id, message: `a parent of commit ${id} is missing and no history boundary is recorded there` })
  }
  options.onProgress?.({ phase: 'reachable', done: walk.commits + walk.trees + walk.blobs })
  return { objects: checked, refs: refs.length, reachable: walk.commits + walk.trees + walk.blobs, boundary, damage, durationMs: Date.now() - started }
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

/** Why `framed` is not a valid object `id`, or undefined when it is. */
function checkObject(objects: ObjectStore, id: string, framed: Uint8Array): string | undefined {
  try {
    if (objects.hash(framed) !== id) return `object ${id}: contents do not hash to the id`
    const { type, body } = unframeObject(id, framed)
    if (type === 'tree' && !Dir.parse(id, body).isSorted()) return `tree ${id}: entries are not in git order`
    if (type === 'commit') parseCommit(id, body)
    return undefined
  } catch (error) {
    if (error instanceof CorruptObjectError) return error.message
    throw error
  }
}
