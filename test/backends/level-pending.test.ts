/**
 * A bulk load's pending pointers in generations (backends/level-pending.ts), against a model: a
 * list of maps where the newest pointer of an id is the one read, and every pointer counts for
 * liveness until its generation is dropped.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Generation, PendingPointers } from '../../backends/level-pending.js'
import { decodePointer, encodePointer } from '../../backends/value-log.js'

const ID = (n: number) => n.toString(16).padStart(40, '0')

type Op =
  | { kind: 'add'; id: number; offset: number }
  | { kind: 'delete'; id: number }
  | { kind: 'move'; id: number; offset: number }
  | { kind: 'seal' }
  | { kind: 'drop'; index: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), id: fc.nat(5), offset: fc.nat(1000) }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.nat(5) }),
  fc.record({ kind: fc.constant('move' as const), id: fc.nat(5), offset: fc.nat(1000) }),
  fc.record({ kind: fc.constant('seal' as const) }),
  fc.record({ kind: fc.constant('drop' as const), index: fc.nat(4) }),
)

describe('pending pointers in generations', () => {
  it('read the newest pointer, list every pointer, and move and delete in every generation (model: a list of maps)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), ops => {
        const pending = new PendingPointers()
        const model: Array<Map<string, number>> = [new Map()]
        const sealed: Array<[Generation, Map<string, number>]> = []
        let moved = 5000
        for (const o of ops) {
          if (o.kind === 'add') {
            pending.add(ID(o.id), encodePointer(1, o.offset, 10))
            model[model.length - 1]!.set(ID(o.id), o.offset)
          } else if (o.kind === 'delete') {
            pending.delete(ID(o.id))
            for (const map of model) map.delete(ID(o.id))
          } else if (o.kind === 'move') {
            const to = moved++
            pending.move(ID(o.id), { file: 1, offset: o.offset, length: 10 }, encodePointer(1, to, 10))
            for (const map of model) if (map.get(ID(o.id)) === o.offset) map.set(ID(o.id), to)
          } else if (o.kind === 'seal') {
            sealed.push([pending.seal(), model[model.length - 1]!])
            model.push(new Map())
          } else if (sealed.length > 0) {
            const [generation, map] = sealed.splice(o.index % sealed.length, 1)[0]!
            expect(pending.holds(generation)).toBe(true)
            pending.drop(generation)
            expect(pending.holds(generation)).toBe(false)
            model.splice(model.indexOf(map), 1)
          }
          for (let n = 0; n <= 5; n++) {
            const newest = [...model].reverse().find(map => map.has(ID(n)))?.get(ID(n))
            const got = pending.get(ID(n))
            expect(got === undefined ? undefined : decodePointer(got)!.offset).toBe(newest)
            expect(pending.pointersOf(ID(n)).map(p => p.offset)).toEqual(model.filter(map => map.has(ID(n))).map(map => map.get(ID(n))))
          }
          expect(pending.empty).toBe(model.every(map => map.size === 0))
          expect(new Map(pending.sizes())).toEqual(new Map([...new Set(model.flatMap(map => [...map.keys()]))].map(id => [id, 10])))
        }
      }),
    )
  })

  it('sealAll gives every generation, oldest first, and appends go to a new one', () => {
    const pending = new PendingPointers()
    pending.add(ID(1), encodePointer(1, 0, 10))
    const first = pending.seal()
    pending.add(ID(1), encodePointer(1, 100, 10))
    const all = pending.sealAll()
    expect(all[0]).toBe(first)
    expect([...all[1]!.keys()]).toEqual([ID(1)])
    pending.add(ID(2), encodePointer(1, 200, 10))
    for (const generation of all) pending.drop(generation)
    expect(pending.get(ID(1))).toBeUndefined()
    expect(decodePointer(pending.get(ID(2))!)!.offset).toBe(200)
  })
})
