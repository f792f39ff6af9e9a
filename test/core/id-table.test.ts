/** The id table and the memory backend's arena agree with a plain Map under random operations. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { blobObject } from '../../backends/conformance.js'
import { MemoryBackend, toHex } from '../../index.js'
import { IdTable } from '../../core/id-table.js'

const id = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(b => toHex(b))
// Ids that share their first bytes collide in the table: probing and deletion markers get exercised.
const collidingId = fc.tuple(fc.nat(3), fc.uint8Array({ minLength: 16, maxLength: 16 })).map(([k, rest]) => 'abcdef0' + k + toHex(rest))

describe.each([20, 8])('IdTable keeping %i bytes of each id', keyBytes => {
  it('agrees with a Map through sets, deletes and growth', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id: fc.oneof(id, collidingId), value: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.oneof(id, collidingId) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000, size: 'max' }), ops => {
        const table = new IdTable(4, { keyBytes })
        // The table keys an id by its first `keyBytes` bytes (ids alike there are one key, by
        // design): the model keys by the same, and remembers the last full id set under it.
        const key = (id: string) => id.slice(0, keyBytes * 2)
        const model = new Map<string, { id: string; value: number }>()
        for (const o of ops) {
          if (o.kind === 'set') {
            expect(table.set(o.id, o.value)).toBe(!model.has(key(o.id)))
            model.set(key(o.id), { id: o.id, value: o.value })
          } else {
            expect(table.delete(o.id)).toBe(model.delete(key(o.id)))
          }
          expect(table.size).toBe(model.size)
        }
        for (const { id, value } of model.values()) expect(table.get(id)).toBe(value)
        if (keyBytes === 20) expect(new Map(table.entries())).toEqual(new Map([...model.values()].map(e => [e.id, e.value])))
        else expect(() => [...table.entries()]).toThrow(/truncated/)
      }),
      { numRuns: 60 },
    )
  })
})

describe('memory backend storage', () => {
  it('keeps every object readable through deletions and compactions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), fc.nat(300)), { maxLength: 400, size: 'max' }), async ops => {
        const backend = new MemoryBackend({}, 2000) // compact after 2 KB released
        const model = new Map<string, Uint8Array>()
        for (const [put, n] of ops) {
          const [oid, bytes] = blobObject(`object ${n} `.repeat(1 + (n % 7)))
          if (put) {
            await backend.putObjects([[oid, bytes]])
            model.set(oid, bytes)
          } else {
            await backend.deleteObjects([oid])
            model.delete(oid)
          }
        }
        const ids = [...model.keys()]
        const got = await backend.getObjects(ids)
        ids.forEach((k, i) => expect(got[i]).toEqual(model.get(k)))
        const listed: string[] = []
        for await (const k of backend.objectIds()) listed.push(k)
        expect(listed.sort()).toEqual(ids.sort())
      }),
      { numRuns: 40 },
    )
  })
})
