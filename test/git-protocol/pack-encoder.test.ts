/**
 * The pack encoder against real git: what it writes, `git index-pack --strict` accepts and
 * `git cat-file` reads back byte for byte — whole objects (small ones stored, large blobs
 * deflated), OFS_DELTA and REF_DELTA entries, chunks of any size.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import type { ObjectType } from '../../core/index.js'
import { encodePack, PackEncoder, PackEncodingError } from '../../git-protocol/pack-encoder.js'
import { git, removeDir, tempDir } from '../helpers/git.js'

const enc = new TextEncoder()

function idOf(type: ObjectType, body: Uint8Array): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex')
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks))
}

/** A delta that copies `base` whole, then inserts `suffix` (git's delta format, gitformat-pack(5)). */
function appendDelta(base: Uint8Array, suffix: Uint8Array): Uint8Array {
  const varint = (n: number) => {
    const out: number[] = []
    do {
      let byte = n & 0x7f
      n = Math.floor(n / 128)
      if (n > 0) byte |= 0x80
      out.push(byte)
    } while (n > 0)
    return out
  }
  const ops: number[] = [...varint(base.length), ...varint(base.length + suffix.length)]
  for (let at = 0; at < base.length; at += 0x10000) {
    const size = Math.min(0x10000, base.length - at)
    ops.push(0x80 | 0x0f | 0x30, at & 0xff, (at >> 8) & 0xff, (at >> 16) & 0xff, (at >> 24) & 0xff, size & 0xff, (size >> 8) & 0xff)
  }
  for (let at = 0; at < suffix.length; at += 127) {
    const piece = suffix.subarray(at, at + 127)
    ops.push(piece.length, ...piece)
  }
  return new Uint8Array(ops)
}

describe('pack encoder', () => {
  let dir: string
  beforeAll(() => {
    dir = tempDir()
    git(dir, ['init', '-q', '--bare'])
  })
  afterAll(() => removeDir(dir))

  /** Indexes `pack` (git index-pack --strict, so every hash and link is checked) into the repository. */
  function index(pack: Uint8Array): void {
    const result = spawnSync('git', ['index-pack', '--stdin', '--strict'], { cwd: dir, input: pack })
    expect(result.stderr.toString()).toBe('')
    expect(result.status).toBe(0)
  }
  /** An object as git reads it: type and exact bytes. */
  const catFile = (id: string) => ({ type: git(dir, ['cat-file', '-t', id]).trim(), body: execFileSync('git', ['cat-file', git(dir, ['cat-file', '-t', id]).trim(), id], { cwd: dir }) })

  it('writes whole objects git reads back byte for byte, in chunks of any size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.uint8Array({ maxLength: 3000 }), { minLength: 0, maxLength: 30, selector: b => Buffer.from(b).toString('hex') }),
        fc.integer({ min: 1, max: 5000 }),
        async (bodies, chunkSize) => {
          const objects = bodies.map(body => ({ type: 'blob' as const, body }))
          const chunks: Uint8Array[] = []
          for await (const chunk of encodePack(objects.length, objects, { chunkSize })) chunks.push(chunk)
          for (const chunk of chunks) expect(chunk.length).toBeGreaterThan(0)
          // Bounded memory: no chunk holds more than the chunk size and one entry.
          for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(Math.max(64, chunkSize) + 3100)
          index(concat(chunks))
          for (const { body } of objects) expect(catFile(idOf('blob', body))).toEqual({ type: 'blob', body: Buffer.from(body) })
        },
      ),
      { numRuns: 15 },
    )
  })

  it('writes commits, trees, large deflated blobs, OFS_DELTA and REF_DELTA entries', () => {
    const small = enc.encode('hello\n')
    const large = new Uint8Array(200_000).map((_, i) => (i * 7) % 251)
    const blobId = idOf('blob', small)
    const tree = concat([enc.encode('100644 a\0'), Buffer.from(blobId, 'hex')])
    const treeId = idOf('tree', tree)
    const commit = enc.encode(`tree ${treeId}\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nm\n`)
    const grown = concat([large, enc.encode('more')])
    const again = concat([small, enc.encode('again\n')])
    const pack = new PackEncoder(6, { chunkSize: 4096 })
    const chunks: Uint8Array[] = []
    const smallAt = pack.add('blob', small)
    pack.add('tree', tree)
    pack.add('commit', commit)
    const largeAt = pack.add('blob', large)
    chunks.push(...pack.take())
    pack.addOfsDelta(largeAt, appendDelta(large, enc.encode('more')))
    pack.addRefDelta(blobId, appendDelta(small, enc.encode('again\n')))
    expect(smallAt).toBe(12)
    chunks.push(...pack.finish())
    const packBytes = concat(chunks)
    // The trailer is the SHA-1 of everything before it.
    expect(Buffer.from(packBytes.subarray(-20)).toString('hex')).toBe(createHash('sha1').update(packBytes.subarray(0, -20)).digest('hex'))
    const ids = [blobId, treeId, idOf('commit', commit), idOf('blob', large), idOf('blob', grown), idOf('blob', again)]
    index(packBytes)
    expect(ids.map(id => catFile(id).type)).toEqual(['blob', 'tree', 'commit', 'blob', 'blob', 'blob'])
    expect(catFile(ids[3]!).body.equals(Buffer.from(large))).toBe(true)
    expect(catFile(ids[4]!).body.equals(Buffer.from(grown))).toBe(true)
    expect(catFile(ids[5]!).body.toString()).toBe('hello\nagain\n')
  })

  it('refuses to break its header: too many or too few entries, a base that is not earlier', () => {
    const pack = new PackEncoder(1)
    expect(() => pack.addOfsDelta(12, new Uint8Array([0, 0]))).toThrow(PackEncodingError)
    expect(() => pack.finish()).toThrow(/0 entries written, 1 announced/)
    pack.add('blob', new Uint8Array(0))
    expect(() => pack.add('blob', new Uint8Array(0))).toThrow(/more entries than the 1/)
    expect(() => pack.addRefDelta('nope', new Uint8Array(0))).toThrow(PackEncodingError)
    expect(pack.finish().length).toBeGreaterThan(0)
    expect(() => new PackEncoder(-1)).toThrow(PackEncodingError)
  })
})
