import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RecentMap } from '../../sync/recent-map.js'

describe('RecentMap', () => {
  it('answers the latest value of a key or nothing, and keeps every key of the last capacity/2 sets (model: a plain Map)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 16 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.nat()), { maxLength: 200 }), (capacity, sets) => {
        const recent = new RecentMap<number, number>(capacity)
        const latest = new Map<number, number>()
        sets.forEach(([key, value], i) => {
          recent.set(key, value)
          latest.set(key, value)
          for (const [k, v] of latest) {
            const got = recent.get(k)
            if (got !== undefined) expect(got).toBe(v)
          }
          for (const [k] of sets.slice(Math.max(0, i + 1 - Math.floor(capacity / 2)), i + 1)) expect(recent.get(k)).toBe(latest.get(k))
        })
      }),
    )
  })
})
