/** A backend wrapper that counts calls and objects, to check laziness and batching. */
import type { Backend, ObjectEntry } from '../../index.js'

export interface Counts {
  getCalls: number
  objectsRead: number
  putCalls: number
  objectsWritten: number
  written: string[]
}

export function countingBackend(inner: Backend): { backend: Backend; counts: Counts; reset(): void } {
  const counts: Counts = { getCalls: 0, objectsRead: 0, putCalls: 0, objectsWritten: 0, written: [] }
  const backend: Backend = {
    getObjects: async (ids: readonly string[]) => {
      counts.getCalls++
      counts.objectsRead += ids.length
      return inner.getObjects(ids)
    },
    hasObjects: ids => inner.hasObjects(ids),
    putObjects: async (objects: readonly ObjectEntry[]) => {
      counts.putCalls++
      counts.objectsWritten += objects.length
      counts.written.push(...objects.map(o => o[0]))
      return inner.putObjects(objects)
    },
    deleteObjects: ids => inner.deleteObjects(ids),
    objectIds: () => inner.objectIds(),
    getRef: name => inner.getRef(name),
    listRefs: prefix => inner.listRefs(prefix),
    casRef: (name, expected, next) => inner.casRef(name, expected, next),
    close: () => inner.close(),
  }
  const reset = () => {
    counts.getCalls = counts.objectsRead = counts.putCalls = counts.objectsWritten = 0
    counts.written = []
  }
  return { backend, counts, reset }
}
