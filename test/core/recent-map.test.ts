import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RecentMap } from '../../core/recent-map.js'

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

  it('answers nothing for a deleted key until it is set again, whichever generation held it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 16 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 30 }), fc.nat()), { maxLength: 200 }), (capacity, ops) => {
        const recent = new RecentMap<number, number>(capacity)
        const latest = new Map<number, number>()
        for (const [remove, key, value] of ops) {
          if (remove) {
            recent.delete(key)
            latest.delete(key)
          } else {
            recent.set(key, value)
            latest.set(key, value)
          }
          for (let k = 0; k <= 30; k++) {
            const got = recent.get(k)
            if (got !== undefined) expect(got).toBe(latest.get(k))
          }
        }
      }),
    )
  })
})
