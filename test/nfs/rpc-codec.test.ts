/** Record marking, XDR and the call header: properties against plain models, and bad input. */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FileBuffer } from '../../nfs-export/file-buffer.js'
import { Handles, ROOT_ID } from '../../nfs-export/handles.js'
import { decodeCall, encodeCall, RecordDecoder } from '../../nfs-export/rpc.js'
import { RecordTooLargeError } from '../../nfs-export/errors.js'
import { XdrReader, XdrWriter } from '../../nfs-export/xdr.js'

/** Encodes a record as the given fragment sizes (the last takes the rest). */
function fragmented(record: Uint8Array, cuts: number[]): Uint8Array {
  const parts: Uint8Array[] = []
  let at = 0
  const sizes = [...cuts.map(c => Math.min(c, record.length - at)), Infinity]
  for (let i = 0; i < sizes.length; i++) {
    const size = Math.min(sizes[i], record.length - at)
    const last = at + size >= record.length && (i === sizes.length - 1 || size > 0 || record.length === 0)
    const mark = new Uint8Array(4)
    new DataView(mark.buffer).setUint32(0, ((last ? 0x80000000 : 0) | size) >>> 0)
    parts.push(mark, record.subarray(at, at + size))
    at += size
    if (last) break
  }
  return Buffer.concat(parts)
}

describe('record marking', () => {
  it('reassembles any records from any fragmentation and any TCP chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ body: fc.uint8Array({ maxLength: 300 }), cuts: fc.array(fc.nat(120), { maxLength: 5 }) }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
        (records, chunking) => {
          const stream = Buffer.concat(records.map(r => fragmented(r.body, r.cuts)))
          const decoder = new RecordDecoder(1 << 20)
          const out: Uint8Array[] = []
          for (let at = 0, i = 0; at < stream.length; i++) {
            const n = chunking[i % chunking.length]
            out.push(...decoder.push(stream.subarray(at, at + n)))
            at += n
          }
          expect(out.map(b => Buffer.from(b).toString('hex'))).toEqual(records.map(r => Buffer.from(r.body).toString('hex')))
        },
      ),
    )
  })

  it('refuses a record past the limit at its mark, before buffering it', () => {
    const decoder = new RecordDecoder(1000)
    const mark = new Uint8Array([0x80, 0, 0x10, 0])
    expect(() => decoder.push(mark)).toThrow(RecordTooLargeError)
    // A first fragment of 600 bytes (not the last), then one of 500: the record would be 1,100.
    const split = new RecordDecoder(1000)
    expect(split.push(Buffer.concat([Buffer.from([0, 0, 0x02, 0x58]), Buffer.alloc(600)]))).toEqual([])
    expect(() => split.push(new Uint8Array([0x80, 0, 0x01, 0xf4]))).toThrow(RecordTooLargeError)
  })
})

describe('XDR', () => {
  it('reads back what it writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.uint8Array({ maxLength: 50 }), fc.string({ maxLength: 40 }), (u, big, bytes, s) => {
        const w = new XdrWriter(4).u32(u).u64(big).opaque(bytes).string(s).bool(true)
        expect(w.pos % 4).toBe(0)
        const r = new XdrReader(w.bytes())
        expect([r.u32(), r.u64(), Buffer.from(r.opaque(100)), r.string(400), r.bool()]).toEqual([u, big, Buffer.from(bytes), s, true])
        expect(r.remaining).toBe(0)
      }),
    )
  })

  it('writes any string as its UTF-8 bytes, padded (ASCII is copied in place, the rest encoded)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 70 }), fc.string({ unit: 'binary', maxLength: 70 })), { maxLength: 4 }), strings => {
        const w = new XdrWriter(4)
        for (const s of strings) w.string(s)
        const want = new XdrWriter(4)
        for (const s of strings) want.opaque(new TextEncoder().encode(s))
        expect(Buffer.from(w.bytes()).equals(Buffer.from(want.bytes()))).toBe(true)
      }),
    )
  })

  it('throws GarbageArgsError on truncation, lengths past their bound and bad enums', () => {
    expect(() => new XdrReader(new Uint8Array(3)).u32()).toThrow(/truncated/)
    expect(() => new XdrReader(new XdrWriter().u32(1 << 30).bytes()).opaque(64)).toThrow(/exceeds 64/)
    expect(() => new XdrReader(new XdrWriter().u32(7).bytes()).enumOf(2, 'stable_how')).toThrow(/stable_how of 7/)
    expect(() => new XdrReader(new XdrWriter().u32(2).bytes()).bool()).toThrow(/bool/)
  })
})

describe('call header', () => {
  const record = (bytes: Uint8Array) => bytes.subarray(4)

  it('decodes AUTH_SYS credentials', () => {
    const call = decodeCall(record(encodeCall(7, 100003, 3, 1, w => void w.u32(9), { stamp: 1, machine: 'host', uid: 1000, gid: 100, gids: [4, 5] })))
    expect(call).toMatchObject({ xid: 7, prog: 100003, vers: 3, proc: 1, auth: { machine: 'host', uid: 1000, gids: [4, 5] } })
  })

  it('answers nothing to what is not a call, and a denial to a bad RPC version', () => {
    expect(decodeCall(new Uint8Array([0, 0, 0, 1, 0, 0, 0, 1]))).toBeUndefined()
    const v3 = encodeCall(8, 100003, 3, 0, () => {})
    v3[4 + 11] = 3 // rpcvers 3
    const denied = decodeCall(record(v3))
    expect(denied && 'reply' in denied && Buffer.from(denied.reply).readUInt32BE(12)).toBe(1) // MSG_DENIED
  })
})

describe('file buffer', () => {
  it('behaves as a plain byte array under writes at any offset and truncations', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), offset: fc.nat(5000), data: fc.uint8Array({ minLength: 1, maxLength: 3000 }) }),
      fc.record({ kind: fc.constant('truncate' as const), size: fc.nat(9000) }),
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.array(op, { maxLength: 30 }), (initial, ops) => {
        const buffer = new FileBuffer(initial, '100644')
        let model = Array.from(initial)
        for (const o of ops) {
          if (o.kind === 'write') {
            while (model.length < o.offset) model.push(0)
            o.data.forEach((b, i) => (model[o.offset + i] = b))
            buffer.write(o.offset, o.data)
          } else {
            model = o.size <= model.length ? model.slice(0, o.size) : [...model, ...new Array(o.size - model.length).fill(0)]
            buffer.truncate(o.size)
          }
          expect(buffer.size).toBe(model.length)
        }
        expect(Array.from(buffer.snapshot())).toEqual(model)
      }),
    )
  })

  it('past 1 MiB (chunks), writes, truncations and reads across chunk boundaries match a plain byte array', () => {
    const MiB = 1 << 20
    const op = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), offset: fc.nat(3 * MiB), length: fc.nat(MiB + 10), seed: fc.nat(255) }),
      fc.record({ kind: fc.constant('truncate' as const), size: fc.nat(3 * MiB) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), fc.nat(3 * MiB), fc.nat(MiB + 10), (ops, readAt, readCount) => {
        const buffer = new FileBuffer(new Uint8Array(0), '100644')
        let model = new Uint8Array(0)
        for (const o of ops) {
          if (o.kind === 'write') {
            const data = new Uint8Array(o.length).map((_, i) => (i + o.seed) & 0xff)
            buffer.write(o.offset, data)
            const next = new Uint8Array(Math.max(model.length, o.offset + o.length))
            next.set(model)
            next.set(data, o.offset)
            model = next
          } else {
            buffer.truncate(o.size)
            const next = new Uint8Array(o.size)
            next.set(model.subarray(0, Math.min(o.size, model.length)))
            model = next
          }
        }
        expect(buffer.size).toBe(model.length)
        const want = model.subarray(Math.min(readAt, model.length), Math.min(model.length, readAt + readCount))
        expect(Buffer.from(buffer.read(readAt, readCount)).equals(want)).toBe(true)
        expect(Buffer.from(buffer.snapshot()).equals(model)).toBe(true)
      }),
      { numRuns: 60 },
    )
  })
})

describe('file ids', () => {
  it('are the same in every process, and renames keep a node and its descendants’ ids', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.constantFrom('a', 'b', 'c', 'd')), { maxLength: 12 }), moves => {
        const tag = Handles.tagOf('branch:main')
        const live = new Handles(tag)
        // The model: the id each name in the root holds; renames move ids between names.
        const model = new Map<string, bigint>()
        for (const name of ['a', 'b', 'c', 'd']) model.set(name, live.childId(ROOT_ID, name))
        const idOfA = model.get('a')!
        const childOfA = live.childId(idOfA, 'inner')
        for (const [from, to] of moves) {
          if (from === to || !model.has(from)) continue
          const id = model.get(from)!
          model.delete(from)
          model.set(to, id)
          live.moved(id, ROOT_ID, to)
        }
        const restarted = new Handles(tag)
        restarted.load(live.serialize())
        for (const [name, id] of model) {
          expect(restarted.childId(ROOT_ID, name)).toBe(id)
          expect(restarted.pathOf(id)).toEqual([name])
        }
        const ids = [...model.values()]
        for (const name of ['a', 'b', 'c', 'd'].filter(n => !model.has(n))) expect(ids).not.toContain(restarted.childId(ROOT_ID, name))
        // Wherever a's node went (if a rename onto it did not replace it), its child kept its id.
        if (ids.includes(idOfA)) expect(restarted.childId(idOfA, 'inner')).toBe(childOfA)
      }),
    )
  })

  it('are the first 8 bytes of SHA-1("parent hex/name"), as in every earlier version (handles outlive upgrades)', () => {
    const derived = (parent: bigint, name: string) => {
      const id = createHash('sha1').update(`${parent.toString(16)}/${name}`).digest().readBigUInt64BE(0)
      return id <= ROOT_ID ? id + 2n : id
    }
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 60 })), (parent, name) => {
        expect(new Handles(Handles.tagOf('x')).childId(parent, name)).toBe(derived(parent, name))
      }),
      { numRuns: 2000 },
    )
  })

  it('handles are at most 64 bytes; junk is bad, another export’s is stale', () => {
    const h = new Handles(Handles.tagOf('branch:main'))
    const bytes = h.encode(12345n)
    expect(bytes.length).toBeLessThanOrEqual(64)
    expect(h.decode(bytes)).toEqual({ kind: 'ok', id: 12345n })
    expect(h.decode(new Uint8Array(5))).toEqual({ kind: 'bad' })
    expect(new Handles(Handles.tagOf('branch:other')).decode(bytes)).toEqual({ kind: 'stale' })
  })
})
