/**
 * Where IndexedDB cannot be used, opening the backend fails with `IndexedDbUnavailableError`:
 * in plain Node (no `indexedDB` global), and where the browser refuses to open a database
 * (simulated here; test/browser/indexeddb.test.ts shows a real refusal in Chromium).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { IndexedDbUnavailableError, openIndexedDbBackend } from '../../index.js'

afterEach(() => {
  vi.unstubAllGlobals()
})

/** An IndexedDB whose every open fails as private browsing makes it fail in some browsers. */
function refusingIndexedDb(error: Error): Pick<IDBFactory, 'open'> {
  return {
    open() {
      const request = { error } as unknown as IDBOpenDBRequest
      setTimeout(() => request.onerror?.(new Event('error')))
      return request
    },
  }
}

describe('opening the IndexedDB backend where IndexedDB is unavailable', () => {
  it('fails in plain Node with a typed error that says why', async () => {
    expect(typeof indexedDB).toBe('undefined')
    const opening = openIndexedDbBackend('notes')
    await expect(opening).rejects.toBeInstanceOf(IndexedDbUnavailableError)
    await expect(opening).rejects.toMatchObject({ code: 'ENOINDEXEDDB', database: 'notes', message: expect.stringMatching(/no indexedDB global/) })
  })

  it('fails with a typed error, keeping the cause, when the browser refuses to open the database', async () => {
    const refusal = new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError')
    vi.stubGlobal('indexedDB', refusingIndexedDb(refusal))
    const error = await openIndexedDbBackend('notes').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IndexedDbUnavailableError)
    expect(error).toMatchObject({ code: 'ENOINDEXEDDB', cause: refusal, message: expect.stringMatching(/InvalidStateError/) })
  })

  it('fails with a typed error when opening throws at once (opaque origins)', async () => {
    const denied = new DOMException('access to the Indexed Database API is denied in this context.', 'SecurityError')
    vi.stubGlobal('indexedDB', { open: () => { throw denied } })
    await expect(openIndexedDbBackend('notes')).rejects.toMatchObject({ code: 'ENOINDEXEDDB', cause: denied })
  })
})
