/**
 * LevelDB spools (`Backend.openSpool`, backends/value-log.ts `adopt`): a blob written into a
 * file piece by piece becomes a value-log file of its own and reads back as the object; it
 * survives a reopen; an object stored already is left as it was; a spool past the object limit
 * is refused; spools a crash left are removed at open; an adopted file, once its object is
 * deleted, is compacted away like any other.
 */
import { existsSync, readdirSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openLevelBackend } from '../../index.js'
import { blobObject } from '../../backends/conformance.js'
import { ObjectTooLargeError } from '../../core/errors.js'
import type { ObjectSpool } from '../../core/backend.js'
import { freshDirs } from '../helpers/git.js'

const freshDir = freshDirs('irmin-spool-')

/** Writes `body` into the spool in uneven pieces, out of order, then adopts it. */
async function fill(spool: ObjectSpool, body: Uint8Array): Promise<string> {
  const cuts = [0, 7, 4096, 70_000, body.length].filter(c => c <= body.length)
  for (let i = cuts.length - 2; i >= 0; i--) writeSync(spool.fd, body, cuts[i]!, cuts[i + 1]! - cuts[i]!, spool.bodyOffset + cuts[i]!)
  const [id, framed] = blobObject(body)
  const header = framed.subarray(0, framed.length - body.length)
  await spool.adopt(id, header, body.length)
  return id
}

const body = (size: number, seed: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff)

describe('LevelDB spools', () => {
  it('an adopted spool reads back as the blob, by single and batch reads, and after a reopen', async () => {
    const location = freshDir()
    let backend = await openLevelBackend(location)
    const sizes = [0, 1, 100, 200_000, 1_000_003]
    const ids: string[] = []
    for (const [i, size] of sizes.entries()) {
      const spool = await backend.openSpool!()
      ids.push(await fill(spool, body(size, i)))
      spool.discard()
    }
    // An ordinary write after the adoptions appends to the last adopted file: both read back.
    const [smallId, small] = blobObject(body(100_000, 99))
    await backend.putObjects([[smallId, small]])
    const expected = sizes.map((size, i) => blobObject(body(size, i))[1])
    for (let round = 0; round < 2; round++) {
      for (const [i, id] of ids.entries()) expect(Buffer.from((await backend.getObjects([id]))[0]!).equals(expected[i]!)).toBe(true)
      const all = await backend.getObjects([...ids, smallId])
      all.forEach((bytes, i) => expect(Buffer.from(bytes!).equals(i < ids.length ? expected[i]! : small)).toBe(true))
      expect(await backend.hasObjects(ids)).toEqual(ids.map(() => true))
      expect(readdirSync(join(location, 'values')).filter(n => n.startsWith('spool-'))).toEqual([])
      await backend.close()
      backend = await openLevelBackend(location)
    }
    await backend.close()
  })

  it('leaves an object stored already as it was, and refuses one past the object limit', async () => {
    const location = freshDir()
    const backend = await openLevelBackend(location, { maxObjectSize: 300_000 })
    const [id, framed] = blobObject(body(150_000, 1))
    await backend.putObjects([[id, framed]])
    const files = readdirSync(join(location, 'values')).sort()
    const again = await backend.openSpool!()
    expect(await fill(again, body(150_000, 1))).toBe(id)
    again.discard()
    expect(readdirSync(join(location, 'values')).sort()).toEqual(files)
    expect(Buffer.from((await backend.getObjects([id]))[0]!).equals(framed)).toBe(true)
    const big = await backend.openSpool!()
    await expect(fill(big, body(300_001, 2))).rejects.toThrow(ObjectTooLargeError)
    big.discard()
    await backend.close()
  })

  it('removes the spools a crash left at open', async () => {
    const location = freshDir()
    const backend = await openLevelBackend(location)
    const spool = await backend.openSpool!()
    writeSync(spool.fd, body(10_000, 3), 0, 10_000, spool.bodyOffset)
    expect(existsSync(spool.path)).toBe(true)
    await backend.close() // the spool is neither adopted nor discarded: as after a crash
    const reopened = await openLevelBackend(location)
    expect(existsSync(spool.path)).toBe(false)
    await reopened.close()
  })

  it('an adopted file whose object is deleted is compacted away, its padding passed over', async () => {
    const location = freshDir()
    let backend = await openLevelBackend(location, { compactDeadBytes: 64 * 1024 })
    const keep = await backend.openSpool!()
    const keptId = await fill(keep, body(300_000, 4))
    keep.discard()
    const gone = await backend.openSpool!()
    const goneId = await fill(gone, body(500_000, 5))
    gone.discard()
    // An object appended after the adopted record, in the same file, must survive the compaction.
    const [afterId, after] = blobObject(body(80_000, 6))
    await backend.putObjects([[afterId, after]])
    const before = readdirSync(join(location, 'values')).sort()
    await backend.deleteObjects([goneId])
    await backend.close() // waits for the compaction
    expect(readdirSync(join(location, 'values')).sort()).not.toEqual(before)
    backend = await openLevelBackend(location, { compactDeadBytes: 64 * 1024 })
    expect((await backend.getObjects([goneId]))[0]).toBeUndefined()
    expect(Buffer.from((await backend.getObjects([keptId]))[0]!).equals(blobObject(body(300_000, 4))[1])).toBe(true)
    expect(Buffer.from((await backend.getObjects([afterId]))[0]!).equals(after)).toBe(true)
    await backend.close()
  })
})
