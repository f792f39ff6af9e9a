/**
 * The IndexedDB backend on fake-indexeddb in Node: the conformance suite as a fast extra run
 * (the real one is test/browser/indexeddb.test.ts, in Chromium), and paging and schema checks
 * that need many objects or a foreign database.
 */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { blobObject } from '../../backends/conformance.js'
import { type IndexedDbBackend, openIndexedDbBackend } from '../../index.js'
import { runConformance } from '../helpers/conformance.js'

let databases = 0
const freshName = () => `fake-${++databases}`

runConformance('IndexedDB (fake-indexeddb)', {
  open: options => openIndexedDbBackend(freshName(), options),
  reopen: async backend => {
    const { name } = backend as IndexedDbBackend
    await backend.close()
    return openIndexedDbBackend(name)
  },
})

describe('IndexedDB backend on fake-indexeddb', () => {
  it('objectIds pages through a large store and survives deletions while it runs (as GC deletes)', async () => {
    const backend = await openIndexedDbBackend(freshName())
    try {
      const objects = Array.from({ length: 10_000 }, (_, i) => blobObject(`object ${i}`))
      await backend.putObjects(objects)
      const ids = objects.map(([id]) => id).sort()
      const swept = new Set(ids.filter((_, i) => i % 2 === 0))
      const seen: string[] = []
      for await (const id of backend.objectIds()) {
        seen.push(id)
        if (swept.has(id)) await backend.deleteObjects([id])
      }
      expect(seen).toEqual(ids)
      const left: string[] = []
      for await (const id of backend.objectIds()) left.push(id)
      expect(left).toEqual(ids.filter(id => !swept.has(id)))
    } finally {
      await backend.close()
    }
  })

  it('refuses a database of the same name that is not an irminsule store, and leaves it alone', async () => {
    const name = freshName()
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(name, 1)
      request.onupgradeneeded = () => request.result.createObjectStore('someone-else')
      request.onsuccess = () => (request.result.close(), resolve())
      request.onerror = () => reject(request.error)
    })
    await expect(openIndexedDbBackend(name)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/not an irminsule store/) })
    const stores = await new Promise<string[]>((resolve, reject) => {
      const request = indexedDB.open(name)
      request.onsuccess = () => {
        resolve([...request.result.objectStoreNames])
        request.result.close()
      }
      request.onerror = () => reject(request.error)
    })
    expect(stores).toEqual(['someone-else'])
  })

  it('refuses an empty database name', async () => {
    await expect(openIndexedDbBackend('')).rejects.toMatchObject({ code: 'EINVAL' })
  })
})
