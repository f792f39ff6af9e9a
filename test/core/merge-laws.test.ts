/**
 * Laws of every merge combinator and every contents codec's merge, checked with fast-check:
 * merge(o, o, o) = o; merge(o, a, o) = a; merge(o, o, b) = b; symmetric where the rule is
 * (counter, set, multiset, log, map of those); merge(o, a, a) = a for idempotent rules;
 * counter merges equal the sum of the deltas.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Contents, Merge, type Json, type MergeFunction, type MergeResult } from '../../index.js'

interface Law<T> {
  name: string
  merge: MergeFunction<T>
  value: fc.Arbitrary<T>
  /** Also absent ancestors (keys added on both sides). */
  symmetric?: boolean
  idempotent?: boolean
}

const ok = <T>(value: T): MergeResult<T> => ({ ok: value })

function checkLaws<T>(law: Law<T>): void {
  describe(law.name, () => {
    it('merge(o, o, o) = o, merge(o, a, o) = a, merge(o, o, b) = b', () => {
      fc.assert(
        fc.property(fc.option(law.value, { nil: undefined }), law.value, law.value, (o, a, b) => {
          if (o !== undefined) expect(law.merge(o, o, o)).toEqual(ok(o))
          if (o !== undefined) expect(law.merge(o, a, o)).toEqual(ok(a))
          if (o !== undefined) expect(law.merge(o, o, b)).toEqual(ok(b))
          // With no ancestor, equal sides still agree.
          if (law.idempotent) expect(law.merge(o, a, a)).toEqual(ok(a))
        }),
        { numRuns: 200 },
      )
    })
    if (law.symmetric) {
      it('is symmetric: merge(o, a, b) = merge(o, b, a)', () => {
        fc.assert(
          fc.property(fc.option(law.value, { nil: undefined }), law.value, law.value, (o, a, b) => {
            expect(law.merge(o, a, b)).toEqual(law.merge(o, b, a))
          }),
          { numRuns: 200 },
        )
      })
    }
  })
}

/** A codec's merge, on canonical values (what a store hands it: decode(encode(v))). */
function codecLaw<T>(name: string, codec: { encode(v: T): Uint8Array; decode(b: Uint8Array): T; merge?: MergeFunction<T> }, value: fc.Arbitrary<T>, extra: Partial<Law<T>> = {}): Law<T> {
  return { name, merge: codec.merge!, value: value.map(v => codec.decode(codec.encode(v))), ...extra }
}

const json: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3 }).map(v => JSON.parse(JSON.stringify(v)) as Json)
const element = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom('a', 'b', 'c', 'd'))
const sortedSet = fc.uniqueArray(element, { maxLength: 8 }).map(xs => xs.sort((x, y) => (Merge.canonicalKey(x) < Merge.canonicalKey(y) ? -1 : 1)))
const counts = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 9 }))
const logEntries = fc
  .uniqueArray(fc.record({ id: fc.constantFrom('e1', 'e2', 'e3', 'e4', 'e5', 'e6'), time: fc.integer({ min: 0, max: 5 }), text: fc.constantFrom('hi', 'yo') }), {
    selector: e => e.id,
    maxLength: 6,
  })
const register = fc.record({ time: fc.integer({ min: 0, max: 10 }), value: json })

describe('merge combinators', () => {
  checkLaws({ name: 'defaultMerge', merge: Merge.defaultMerge<Json>(), value: json, idempotent: true })
  checkLaws({ name: 'idempotent', merge: Merge.idempotent<Json>(), value: json, idempotent: true })
  checkLaws({ name: 'counter', merge: Merge.counter, value: fc.integer({ min: -1000, max: 1000 }), symmetric: true })
  checkLaws({ name: 'set', merge: Merge.set<string | number>(), value: sortedSet, symmetric: true, idempotent: true })
  checkLaws({ name: 'multiset', merge: Merge.multiset(), value: counts, symmetric: true })
  checkLaws({ name: 'lww', merge: Merge.lww<{ time: number; value: Json }>(r => r.time), value: register, symmetric: true, idempotent: true })
  checkLaws({ name: 'option(counter)', merge: Merge.option(Merge.counter), value: fc.option(fc.integer(), { nil: undefined }) })
  checkLaws({ name: 'pair(counter, set)', merge: Merge.pair(Merge.counter, Merge.set<string | number>()), value: fc.tuple(fc.integer(), sortedSet), symmetric: true })
  checkLaws({
    name: 'record({ n: counter, tags: set })',
    merge: Merge.record<{ n: number; tags: readonly (string | number)[] }>({ n: Merge.counter, tags: Merge.set() }),
    value: fc.record({ n: fc.integer(), tags: sortedSet }),
    symmetric: true,
  })
  checkLaws({ name: 'map(counter)', merge: Merge.map(Merge.counter), value: fc.dictionary(fc.constantFrom('x', 'y', 'z'), fc.integer()), symmetric: true })
  checkLaws({
    name: 'alist(set)',
    merge: Merge.alist(Merge.set<string | number>()),
    value: fc.uniqueArray(fc.tuple(fc.constantFrom('k1', 'k2', 'k3'), sortedSet), { selector: ([k]) => k }).map(xs => xs.sort(([a], [b]) => (a < b ? -1 : 1))),
    symmetric: true,
  })
  checkLaws({ name: 'seq(defaultMerge, counter)', merge: Merge.seq(Merge.defaultMerge<number>(), Merge.counter), value: fc.integer() })

  it('counter merges equal the sum of the deltas', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -100, max: 100 }), fc.integer({ min: -100, max: 100 }), (o, da, db) => {
        expect(Merge.counter(o, o + da, o + db)).toEqual(ok(o + da + db))
      }),
    )
  })

  it('reports conflicts instead of guessing', () => {
    expect(Merge.defaultMerge<string>()('o', 'a', 'b')).toEqual({ conflict: 'both sides changed the value differently' })
    expect(Merge.option(Merge.defaultMerge<string>())('o', undefined, 'b')).toMatchObject({ conflict: expect.stringContaining('deleted') })
    expect(Merge.multiset()({ a: 2 }, {}, {})).toEqual(ok({}))
    expect(Merge.multiset()({ a: 1 }, {}, {})).toEqual(ok({}))
  })
})

describe('contents codecs', () => {
  checkLaws(codecLaw('Contents.string', Contents.string, fc.string(), { idempotent: true }))
  checkLaws(codecLaw('Contents.bytes', Contents.bytes, fc.uint8Array({ maxLength: 8 }), { idempotent: true }))
  checkLaws(codecLaw('Contents.json', Contents.json, json, { idempotent: true }))
  checkLaws(codecLaw('Contents.counter', Contents.counter, fc.integer(), { symmetric: true }))
  checkLaws(codecLaw('Contents.set()', Contents.set<string | number>(), fc.array(element, { maxLength: 8 }), { symmetric: true, idempotent: true }))
  checkLaws(codecLaw('Contents.multiset', Contents.multiset, counts, { symmetric: true }))
  checkLaws(codecLaw('Contents.lww()', Contents.lww(), register, { symmetric: true, idempotent: true }))
  checkLaws(codecLaw('Contents.log()', Contents.log(), logEntries, { symmetric: true, idempotent: true }))

  it('json objects merge per key, recursively; arrays only when one side is unchanged; type changes conflict', () => {
    const merge = Contents.json.merge!
    expect(merge({ a: 1, b: { c: 1 } }, { a: 2, b: { c: 1 } }, { a: 1, b: { c: 1, d: 4 } })).toEqual(ok({ a: 2, b: { c: 1, d: 4 } }))
    expect(merge({ a: [1] }, { a: [1, 2] }, { a: [1] })).toEqual(ok({ a: [1, 2] }))
    expect(merge({ a: [1] }, { a: [1, 2] }, { a: [0, 1] })).toMatchObject({ conflict: expect.stringContaining('"a"') })
    expect(merge({ a: 1 }, { a: 'one' }, { a: { x: 1 } })).toMatchObject({ conflict: expect.any(String) })
    expect(merge(undefined, { x: 1 }, { y: 2 })).toEqual(ok({ x: 1, y: 2 }))
    expect(merge({ x: 1, y: 1 }, { y: 1 }, { x: 1, y: 2 })).toEqual(ok({ y: 2 }))
    expect(merge({ x: 1 }, {}, { x: 2 })).toMatchObject({ conflict: expect.stringContaining('deleted') })
  })

  it('a log keeps the entries both sides appended, in time order, whatever the merge order', () => {
    const log = Contents.log()
    const base = [{ id: 'a', time: 1, text: 'first' }]
    const ours = [...base, { id: 'b', time: 3, text: 'mine' }]
    const theirs = [...base, { id: 'c', time: 2, text: 'yours' }]
    expect(log.merge!(base, ours, theirs)).toEqual(ok([base[0], theirs[1], ours[1]]))
    expect(log.merge!(base, theirs, ours)).toEqual(log.merge!(base, ours, theirs))
    expect(() => log.encode([{ id: 'x', time: 1 }, { id: 'x', time: 2 }])).toThrow(/two different log entries/)
  })

  it('lww picks the later write, and breaks ties the same way on every replica', () => {
    const lww = Contents.lww<string>()
    expect(lww.merge!({ time: 1, value: 'o' }, { time: 5, value: 'a' }, { time: 3, value: 'b' })).toEqual(ok({ time: 5, value: 'a' }))
    const tie = lww.merge!({ time: 1, value: 'o' }, { time: 5, value: 'a' }, { time: 5, value: 'b' })
    expect(tie).toEqual(lww.merge!({ time: 1, value: 'o' }, { time: 5, value: 'b' }, { time: 5, value: 'a' }))
  })

  it('withMerge gives any codec a merge of your own', () => {
    const longest = Contents.withMerge(Contents.string, (_o, a, b) => ok(a.length >= b.length ? a : b), 'longest')
    expect(longest.name).toBe('longest')
    expect(longest.merge!('o', 'aaa', 'bb')).toEqual(ok('aaa'))
    expect(longest.decode(longest.encode('x'))).toBe('x')
  })
})
