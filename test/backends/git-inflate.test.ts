/**
 * The known-size inflater (backends/git/inflate.ts) against node:zlib: every stream zlib writes
 * (all levels and strategies, stored, fixed and dynamic blocks, long runs, incompressible data)
 * inflates to the same bytes; truncation, a wrong expected size and damaged bytes are refused
 * exactly where zlib refuses them.
 */
import fc from 'fast-check'
import { constants, deflateSync, inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { inflateKnownSize } from '../../backends/git/inflate.js'

const STRATEGIES = [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED]

/** Bytes with some structure: runs, repeated phrases, random noise, as deltas and texts have. */
const body = fc.array(
  fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 2000 })).map(([b, n]) => new Uint8Array(n).fill(b)),
    fc.tuple(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 50 })).map(([s, n]) => new TextEncoder().encode(s.repeat(n))),
  ),
  { maxLength: 12 },
).map(parts => Buffer.concat(parts))

function ours(stream: Uint8Array, size: number): Uint8Array | string {
  const out = new Uint8Array(size + 3)
  const problem = inflateKnownSize(stream, out, 3, size)
  return problem ?? out.subarray(3)
}

function zlibs(stream: Uint8Array, size: number): Uint8Array | string {
  try {
    const out = inflateSync(stream, { maxOutputLength: size + 1 })
    return out.length === size ? out : 'wrong size'
  } catch (error) {
    return (error as Error).message
  }
}

describe('inflateKnownSize', () => {
  it('inflates what zlib deflates, at every level and strategy', () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 0, max: 9 }), fc.constantFrom(...STRATEGIES), (data, level, strategy) => {
        const stream = deflateSync(data, { level, strategy })
        const back = ours(stream, data.length)
        expect(typeof back).not.toBe('string')
        expect(Buffer.from(back as Uint8Array).equals(data)).toBe(true)
      }),
      { numRuns: 400 },
    )
  })

  it('inflates large multi-block streams', () => {
    let seed = 7
    const text = Buffer.from(Array.from({ length: 40_000 }, () => `line ${(seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 997}\n`).join(''))
    for (const level of [1, 6, 9]) {
      const back = ours(deflateSync(text, { level }), text.length)
      expect(Buffer.from(back as Uint8Array).equals(text)).toBe(true)
    }
  })

  it('refuses a wrong size, truncation and damage as zlib does', () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 9 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (data, level, at, flip) => {
        const stream = deflateSync(data, { level })
        expect(ours(stream, data.length + 1)).toBeTypeOf('string')
        if (data.length > 0) expect(ours(stream, data.length - 1)).toBeTypeOf('string')
        expect(ours(stream.subarray(0, stream.length - 1 - (at % stream.length)), data.length)).toBeTypeOf('string')
        const damaged = Buffer.from(stream)
        damaged[at % stream.length] ^= flip
        const theirs = zlibs(damaged, data.length)
        const mine = ours(damaged, data.length)
        // Where zlib accepts the damaged stream (bits after the last block), so must we, with its bytes.
        if (typeof theirs !== 'string') expect(Buffer.from(mine as Uint8Array).equals(theirs)).toBe(true)
        else expect(mine).toBeTypeOf('string')
      }),
      { numRuns: 1000 },
    )
  })
})
