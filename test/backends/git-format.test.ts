/**
 * The small encodings of the git backend's pack code, against their definitions: entry headers
 * and OBJ_OFS_DELTA distances round-trip (and match bytes git writes), pack indexes keep 64-bit
 * offsets, stored zlib streams are what zlib reads, and damaged streams are refused.
 */
import fc from 'fast-check'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { entryHeaderLength, ofsDistanceLength, readEntryHeader, readOfsDistance, writeEntryHeader, writeOfsDistance } from '../../backends/git/pack-format.js'
import { buildPackIndex, idKey, PackIndex } from '../../backends/git/pack-index.js'
import { inflateInto, storedLength, writeStored } from '../../backends/git/zlib.js'
import { blobObject } from '../../backends/conformance.js'
import { CorruptObjectError } from '../../index.js'

const sizes = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 40 }))

describe('pack encodings', () => {
  it('entry headers round-trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), sizes, (type, size) => {
        const out = new Uint8Array(16)
        const end = writeEntryHeader(type, size, out, 1)
        expect(end - 1).toBe(entryHeaderLength(size))
        expect(readEntryHeader(out, 1)).toEqual({ type, size, end })
      }),
    )
    // A blob of 100 bytes, as git writes it: type 3, size 100 = 0x64 → 0xb4 0x06.
    const out = new Uint8Array(2)
    writeEntryHeader(3, 100, out, 0)
    expect([...out]).toEqual([0xb4, 0x06])
  })

  it('OBJ_OFS_DELTA distances round-trip, with git offset encoding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 45 }), distance => {
        const out = new Uint8Array(16)
        const end = writeOfsDistance(distance, out, 0)
        expect(end).toBe(ofsDistanceLength(distance))
        expect(readOfsDistance(out, 0)).toEqual({ distance, end })
      }),
    )
    // 128 needs two bytes in git's biased encoding: 0x80 0x00 (not 0x81 0x00).
    const out = new Uint8Array(2)
    writeOfsDistance(128, out, 0)
    expect([...out]).toEqual([0x80, 0x00])
  })

  it('truncated headers are refused, not misread', () => {
    expect(readEntryHeader(new Uint8Array([0xb4]), 0)).toBeUndefined()
    expect(readOfsDistance(new Uint8Array([0x80]), 0)).toBeUndefined()
  })

  it('a pack index keeps offsets past 2 GiB and 4 GiB', () => {
    const entries = [
      { id: blobObject('a')[0], crc: 1, offset: 12 },
      { id: blobObject('b')[0], crc: 2, offset: 0x80000000 },
      { id: blobObject('c')[0], crc: 3, offset: 5 * 2 ** 32 + 7 },
    ]
    const index = PackIndex.parse(buildPackIndex(entries, new Uint8Array(20).fill(9))) as PackIndex
    expect(index.count).toBe(3)
    for (const entry of entries) {
      const position = index.find(idKey(entry.id))
      expect(index.idAt(position)).toBe(entry.id)
      expect(index.offsetAt(position)).toBe(entry.offset)
      expect(index.crcAt(position)).toBe(entry.crc)
    }
    expect(index.find(idKey(blobObject('absent')[0]))).toBe(-1)
    expect([...index.packChecksum]).toEqual(new Array(20).fill(9))
    expect(PackIndex.parse(new Uint8Array(100))).toMatch(/too short/)
  })
})

describe('stored zlib streams', () => {
  it('are read by zlib, for empty, small and multi-block bodies', () => {
    for (const size of [0, 1, 100, 65535, 65536, 200_000]) {
      const body = new Uint8Array(size).map((_, i) => (i * 31) & 0xff)
      const stream = new Uint8Array(storedLength(size))
      expect(writeStored(body, 0, size, stream, 0)).toBe(stream.length)
      expect(Buffer.from(inflateSync(stream)).equals(Buffer.from(body))).toBe(true)
      const back = new Uint8Array(size)
      inflateInto('f'.repeat(40), 'test', stream, back, 0, size)
      expect(Buffer.from(back).equals(Buffer.from(body))).toBe(true)
    }
  })

  it('a flipped byte (all its bits) or a wrong size is a CorruptObjectError', () => {
    const body = new TextEncoder().encode('some bytes to store')
    const stream = new Uint8Array(storedLength(body.length))
    writeStored(body, 0, body.length, stream, 0)
    for (let at = 0; at < stream.length; at++) {
      const damaged = stream.slice()
      damaged[at] ^= 0xff
      expect(() => inflateInto('e'.repeat(40), 'test', damaged, new Uint8Array(body.length), 0, body.length), `byte ${at}`).toThrow(CorruptObjectError)
    }
    expect(() => inflateInto('e'.repeat(40), 'test', stream, new Uint8Array(body.length + 1), 0, body.length + 1)).toThrow(CorruptObjectError)
  })
})
