/**
 * The recorded history boundary: commits whose parents were dropped on purpose (by a GC history
 * window, or a shallow clone). Walks already stop at absent parents; the record is what lets
 * `fsck` tell such an end of history from damage.
 *
 * A backend may keep the record its own way (`getShallow`/`setShallow`: the git backend uses
 * git's own `shallow` file, so that git agrees). Otherwise it is a blob of sorted ids, one per
 * line, named by the ref `refs/irmin/shallow`.
 */
import type { Backend } from './backend.js'
import type { ObjectStore } from './object-store.js'
import { frameObject } from './objects/frame.js'
import { BLOB } from './object-store.js'
import { decodeUtf8, encodeUtf8 } from './utf8.js'

export const SHALLOW_REF = 'refs/irmin/shallow'

export async function readShallow(objects: ObjectStore): Promise<string[]> {
  const backend = objects.backend
  if (backend.getShallow) return backend.getShallow()
  const id = await backend.getRef(SHALLOW_REF)
  if (id === undefined) return []
  const text = decodeUtf8(await objects.load(id, BLOB, 'shallow record'))
  return text.split('\n').filter(line => line !== '')
}

/** Replaces the record with `ids` (sorted, unique). */
export async function writeShallow(objects: ObjectStore, ids: readonly string[]): Promise<void> {
  const backend: Backend = objects.backend
  const sorted = [...new Set(ids)].sort()
  if (backend.setShallow) return backend.setShallow(sorted)
  for (;;) {
    const current = await backend.getRef(SHALLOW_REF)
    let next: string | undefined
    if (sorted.length > 0) {
      const framed = frameObject('blob', encodeUtf8(sorted.map(id => `${id}\n`).join('')))
      next = objects.hash(framed)
      await objects.write([[next, framed]])
    }
    if (current === next || (await backend.casRef(SHALLOW_REF, current, next))) return
  }
}
