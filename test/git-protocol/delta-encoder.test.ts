/** The prefix/suffix delta: applied to its base (git's delta format, backends/git/delta.ts), it gives the result. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyDelta, readDeltaSizes } from '../../backends/git/delta.js'
import { prefixSuffixDelta } from '../../git-protocol/delta-encoder.js'

describe('prefixSuffixDelta', () => {
  it('rebuilds the result from the base, or declines when it would not be small', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300_000 }), fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), (base, middle, a, b) => {
        const cut = base.length === 0 ? 0 : a % base.length
        const rest = base.length === 0 ? 0 : cut + (b % (base.length - cut + 1))
        const result = new Uint8Array([...base.subarray(0, cut), ...middle, ...base.subarray(rest)])
        const delta = prefixSuffixDelta(base, result, Infinity)
        expect(delta).toBeDefined()
        const sizes = readDeltaSizes('x', delta!)
        const out = new Uint8Array(sizes.resultSize)
        applyDelta('x', base, delta!, sizes, out, 0)
        expect(Buffer.from(out).equals(Buffer.from(result))).toBe(true)
        if (result.length > 1000 && middle.length < 100) expect(prefixSuffixDelta(base, result)).toBeDefined()
      }),
      { numRuns: 200 },
    )
    expect(prefixSuffixDelta(new Uint8Array(100), new Uint8Array(100).fill(1))).toBeUndefined()
  })
})
