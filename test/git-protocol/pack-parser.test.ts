import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BadDeltaError,
  BadPackHeaderError,
  CorruptPackEntryError,
  MissingDeltaBaseError,
  PackChecksumError,
  PackCountMismatchError,
  PackLimitError,
  PackStreamError,
  TruncatedPackError,
  UnknownPackObjectTypeError,
} from '../../git-protocol/errors.js'
import { type PackObject, parsePack, type ParsePackOptions } from '../../git-protocol/pack-parser.js'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { git, removeDir, tempDir } from '../helpers/git.js'
import { gitObjects } from '../helpers/git-objects.js'
import { copyDelta, deltaRepo, handPack, insertDelta, objectIdsOf, packOf, withTrailer } from './pack-fixtures.js'

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size)
}

async function* cutAt(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (cut <= at || cut >= bytes.length) continue
    yield bytes.slice(at, cut)
    at = cut
  }
  yield bytes.slice(at)
}

async function parseAll(source: AsyncIterable<Uint8Array>, options?: ParsePackOptions): Promise<PackObject[]> {
  const out: PackObject[] = []
  for await (const object of parsePack(source, options)) out.push(object)
  return out
}

async function parseError(bytes: Uint8Array, options?: ParsePackOptions): Promise<unknown> {
  try {
    await parseAll(chunked(bytes, 1000), options)
  } catch (error) {
    return error
  }
  return undefined
}

const enc = new TextEncoder()
const blob = (text: string) => enc.encode(text)

let repo: string
let objects: Map<string, Uint8Array>
let ofsPack: Uint8Array
let refPack: Uint8Array
let thinPack: Uint8Array

beforeAll(() => {
  repo = deltaRepo()
  objects = gitObjects(repo)
  ofsPack = packOf(repo, [], ['--all', '--delta-base-offset'])
  refPack = packOf(repo, [], ['--all'])
  thinPack = packOf(repo, ['main', '^main~4'], ['--thin', '--delta-base-offset'])
})
afterAll(() => removeDir(repo))

describe('pack parser on packs made by git pack-objects', () => {
  it('yields every object of an OFS_DELTA pack, byte for byte, with the announced count', async () => {
    let announced = -1
    const parsed = await parseAll(chunked(ofsPack, 4096), { onHeader: (n) => (announced = n) })
    expect(announced).toBe(objects.size)
    expect(new Set(parsed.map((o) => o.id))).toEqual(new Set(objects.keys()))
    for (const o of parsed) {
      expect(o.framed).toEqual(objects.get(o.id))
      expect(o.body).toEqual(o.framed.subarray(o.framed.indexOf(0) + 1))
    }
    expect(parsed.some((o) => o.type === 'tag')).toBe(true)
  })

  it('the fixtures are deltified (else the delta paths would go untested)', () => {
    expect(deltaCount(ofsPack)).toBeGreaterThan(10)
    expect(deltaCount(refPack)).toBeGreaterThan(10)
  })

  it('yields every object of a REF_DELTA pack', async () => {
    const parsed = await parseAll(chunked(refPack, 777))
    expect(new Set(parsed.map((o) => o.id))).toEqual(new Set(objects.keys()))
    for (const o of parsed) expect(o.framed).toEqual(objects.get(o.id))
  })

  it('resolves a thin pack against loadBase and asks only for objects the pack leaves out', async () => {
    const sent = new Set(objectIdsOf(repo, ['main', '^main~4']))
    const asked: string[] = []
    const parsed = await parseAll(chunked(thinPack, 512), {
      loadBase: async (id) => {
        asked.push(id)
        return objects.get(id)
      },
    })
    expect(new Set(parsed.map((o) => o.id))).toEqual(sent)
    expect(asked.length).toBeGreaterThan(0)
    for (const id of asked) expect(sent.has(id)).toBe(false)
    for (const o of parsed) expect(o.framed).toEqual(objects.get(o.id))
  })

  it('a thin pack without its bases is a MissingDeltaBaseError', async () => {
    expect(await parseError(thinPack)).toBeInstanceOf(MissingDeltaBaseError)
    expect(await parseError(thinPack, { loadBase: async () => undefined })).toBeInstanceOf(MissingDeltaBaseError)
  })

  it('any chunking gives the same objects (property)', async () => {
    const expected = (await parseAll(chunked(ofsPack, ofsPack.length))).map((o) => o.id)
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: ofsPack.length }), { maxLength: 40 }), async (cuts) => {
        const got = (await parseAll(cutAt(ofsPack, cuts))).map((o) => o.id)
        expect(got).toEqual(expected)
      }),
      { numRuns: 40 },
    )
  })

  it('with a cache too small to hold bases it re-reads them through loadBase (what it yielded)', async () => {
    const stored = new Map<string, Uint8Array>()
    const out: string[] = []
    for await (const o of parsePack(chunked(ofsPack, 4096), { cacheBytes: 1, loadBase: async (id) => stored.get(id) })) {
      stored.set(o.id, o.framed)
      out.push(o.id)
    }
    expect(new Set(out)).toEqual(new Set(objects.keys()))
  })

  it('with a cache too small and no loadBase it fails clearly instead of growing', async () => {
    const error = await parseError(ofsPack, { cacheBytes: 1 })
    expect(error).toBeInstanceOf(PackLimitError)
    expect((error as Error).message).toMatch(/left the 1-byte cache/)
  })

  it('refuses an object over maxObjectBytes before inflating it', async () => {
    expect(await parseError(ofsPack, { maxObjectBytes: 100 })).toBeInstanceOf(PackLimitError)
  })
})

describe('pack parser on bad packs', () => {
  it('a truncated pack, cut anywhere, is a TruncatedPackError (or a count mismatch when only the trailer is left)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: ofsPack.length - 1 }), async (cut) => {
        const error = await parseError(ofsPack.slice(0, cut))
        expect(error).toBeInstanceOf(TruncatedPackError)
      }),
      { numRuns: 60 },
    )
  })

  it('a changed trailer is a PackChecksumError', async () => {
    const bad = ofsPack.slice()
    bad[bad.length - 1] ^= 1
    expect(await parseError(bad)).toBeInstanceOf(PackChecksumError)
  })

  it('a flipped byte anywhere is some PackStreamError, never a silent success (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: ofsPack.length - 21 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
        const bad = ofsPack.slice()
        bad[at] ^= mask
        const error = await parseError(bad)
        expect(error).toBeInstanceOf(PackStreamError)
      }),
      { numRuns: 60 },
    )
  })

  it('a flipped byte with a recomputed trailer: accepted exactly when git index-pack accepts it, with its objects (property)', async () => {
    // The object-level checks, which the trailer would otherwise hide; git is the oracle.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 12, max: ofsPack.length - 21 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
        const bytes = ofsPack.slice(0, ofsPack.length - 20)
        bytes[at] ^= mask
        const bad = withTrailer(bytes)
        const gitIds = indexPackIds(bad)
        let ours: string[] | undefined
        try {
          ours = (await parseAll(chunked(bad, 1000))).map((o) => o.id)
        } catch (error) {
          expect(error).toBeInstanceOf(PackStreamError)
        }
        expect(ours?.sort()).toEqual(gitIds?.sort())
      }),
      { numRuns: 40 },
    )
  })

  it('not PACK, or another version, is a BadPackHeaderError', async () => {
    const notPack = ofsPack.slice()
    notPack[0] = 0x51
    expect(await parseError(notPack)).toBeInstanceOf(BadPackHeaderError)
    const v4 = ofsPack.slice()
    v4[7] = 4
    expect(await parseError(v4)).toBeInstanceOf(BadPackHeaderError)
  })

  it('a count larger or smaller than the entries is a PackCountMismatchError', async () => {
    const entries = [{ type: 3 as const, data: blob('one') }, { type: 3 as const, data: blob('two') }]
    expect(await parseError(handPack(entries, 3))).toBeInstanceOf(PackCountMismatchError)
    expect(await parseError(handPack(entries, 1))).toBeInstanceOf(PackCountMismatchError)
    expect(await parseAll(chunked(handPack(entries), 5))).toHaveLength(2)
  })

  it('type codes 0 and 5 are an UnknownPackObjectTypeError', async () => {
    for (const type of [0, 5] as const) {
      const error = await parseError(handPack([{ type, data: blob('x') }]))
      expect(error).toBeInstanceOf(UnknownPackObjectTypeError)
      expect((error as UnknownPackObjectTypeError).typeCode).toBe(type)
    }
  })

  it('a delta that copies outside its base, or announces the wrong base size, is a BadDeltaError', async () => {
    const base = blob('0123456789')
    const outside = handPack([{ type: 3, data: base }, { type: 6, distanceTo: 0, data: copyDelta(10, 8, 5, 8) }])
    expect(await parseError(outside)).toBeInstanceOf(BadDeltaError)
    const wrongBase = handPack([{ type: 3, data: base }, { type: 6, distanceTo: 0, data: insertDelta(11, blob('new')) }])
    expect(await parseError(wrongBase)).toBeInstanceOf(BadDeltaError)
    const good = handPack([{ type: 3, data: base }, { type: 6, distanceTo: 0, data: copyDelta(10, 4, 2, 4) }])
    const parsed = await parseAll(chunked(good, 3))
    expect(new TextDecoder().decode(parsed[1]!.body)).toBe('2345')
  })

  it('an OFS_DELTA pointing between entries is a BadDeltaError', async () => {
    const pack = handPack([{ type: 3, data: blob('0123456789') }, { type: 6, distanceTo: 0, data: insertDelta(10, blob('x')) }])
    // Shift the one-byte distance so it no longer lands on entry 0.
    const bytes = pack.slice(0, pack.length - 20)
    const distanceAt = findOfsDistance(bytes)
    bytes[distanceAt] -= 1
    expect(await parseError(withTrailer(bytes))).toBeInstanceOf(BadDeltaError)
  })

  it('a REF_DELTA whose base comes later in the pack is held back and resolved', async () => {
    const base = blob('0123456789')
    const baseId = (await parseAll(chunked(handPack([{ type: 3, data: base }]), 100)))[0]!.id
    const pack = handPack([{ type: 7, base: baseId, data: copyDelta(10, 3, 0, 3) }, { type: 3, data: base }])
    const parsed = await parseAll(chunked(pack, 7))
    expect(parsed.map((o) => new TextDecoder().decode(o.body)).sort()).toEqual(['012', '0123456789'])
  })

  it('corrupt zlib data (with a true trailer) is a CorruptPackEntryError', async () => {
    const pack = handPack([{ type: 3, data: blob('hello hello hello hello') }])
    const bytes = pack.slice(0, pack.length - 20)
    bytes[14] ^= 0xff // inside the zlib stream, after its 2-byte header
    const error = await parseError(withTrailer(bytes))
    expect(error).toBeInstanceOf(PackStreamError)
    expect(error).not.toBeInstanceOf(PackChecksumError)
    expect([CorruptPackEntryError, TruncatedPackError].some((c) => error instanceof c)).toBe(true)
  })
})

/** Where the single OFS_DELTA distance byte of a two-entry hand pack is. */
function findOfsDistance(bytes: Uint8Array): number {
  // Entry 0 starts at 12: a one-byte header, then its zlib stream; entry 1's header byte has type 6.
  for (let at = 13; at < bytes.length; at++) if ((bytes[at]! & 0x70) === 0x60 && bytes[at + 1]! > 0 && bytes[at + 1]! < 0x80 && at - bytes[at + 1]! === 12) return at + 1
  throw new Error('no OFS_DELTA distance found')
}

/** How many entries of `pack` are deltas, as `git verify-pack -v` reports them. */
function deltaCount(pack: Uint8Array): number {
  const dir = tempDir()
  try {
    writeFileSync(join(dir, 'p.pack'), pack)
    git(dir, ['index-pack', 'p.pack'])
    return git(dir, ['verify-pack', '-v', 'p.idx']).split('\n').filter((l) => /^[0-9a-f]{40} \w+ +\d+ \d+ \d+ \d+ [0-9a-f]{40}$/.test(l)).length
  } finally {
    removeDir(dir)
  }
}

/** The ids git index-pack finds in `pack`, or undefined if it refuses the pack. */
function indexPackIds(pack: Uint8Array): string[] | undefined {
  const dir = tempDir()
  try {
    writeFileSync(join(dir, 'p.pack'), pack)
    if (spawnSync('git', ['index-pack', 'p.pack'], { cwd: dir }).status !== 0) return undefined
    return git(dir, ['show-index'], readFileSync(join(dir, 'p.idx'))).split('\n').filter(Boolean).map((l) => l.split(' ')[1]!)
  } finally {
    removeDir(dir)
  }
}
