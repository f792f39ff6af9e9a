/**
 * Damage and contention in the git backend: a flipped byte in a loose object or a pack entry, a
 * truncated pack, each surfacing as a `CorruptObjectError` naming the object (never as data,
 * never as a raw zlib error); lock files left by crashed writers, and ones a live writer holds.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { openGitBackend, type GitBackend } from '../../backends/git/index.js'
import { idKey, PackIndex } from '../../backends/git/pack-index.js'
import { blobObject } from '../../backends/conformance.js'
import { Contents, CorruptObjectError, Repo } from '../../index.js'
import { packFiles } from '../helpers/git-objects.js'
import { git, removeDir, tempDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

function freshDir(): string {
  const dir = tempDir('irmin-git-damage-')
  dirs.push(dir)
  return dir
}

const ID_A = 'a'.repeat(40)
const ID_B = 'b'.repeat(40)

/** Rewrites `path` (git makes object files read-only) with `change` applied to its bytes. */
function damage(path: string, change: (bytes: Buffer) => Buffer | void): void {
  chmodSync(path, 0o644)
  const bytes = readFileSync(path)
  writeFileSync(path, change(bytes) ?? bytes)
}

async function expectCorrupt(promise: Promise<unknown>, id: string): Promise<CorruptObjectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CorruptObjectError)
  expect((error as CorruptObjectError).code).toBe('ECORRUPT')
  expect((error as CorruptObjectError).id).toBe(id)
  return error as CorruptObjectError
}

/** A fresh store holding 50 blobs in one pack; returns them and the pack's index and path. */
async function packedStore(): Promise<{ dir: string; objects: Array<[string, Uint8Array]>; index: PackIndex; pack: string }> {
  const dir = freshDir()
  const backend = await openGitBackend(dir, { create: true })
  const objects = Array.from({ length: 50 }, (_, i) => blobObject(`blob number ${i} `.repeat(i + 1)))
  await backend.putObjects(objects)
  await backend.close()
  const [idx] = packFiles(dir, 'idx')
  return { dir, objects, index: PackIndex.parse(readFileSync(idx)) as PackIndex, pack: idx.replace(/\.idx$/, '.pack') }
}

describe('damaged objects', () => {
  const looseCases: Array<[string, (bytes: Buffer) => Buffer | void]> = [
    ['a flipped byte in the middle', bytes => void (bytes[bytes.length >> 1] ^= 0xff)],
    ['a flipped checksum byte', bytes => void (bytes[bytes.length - 1] ^= 0x01)],
    ['a truncated file', bytes => bytes.subarray(0, bytes.length - 8)],
  ]
  for (const [what, change] of looseCases) {
    it(`a loose object with ${what} is a CorruptObjectError naming it`, async () => {
      const dir = freshDir()
      git(dir, ['init', '-q', '--bare'])
      const id = git(dir, ['hash-object', '-w', '--stdin'], 'the contents of a loose object, '.repeat(20)).trim()
      damage(join(dir, 'objects', id.slice(0, 2), id.slice(2)), change)
      const backend = await openGitBackend(dir)
      await expectCorrupt(backend.getObjects([id]), id)
      await backend.close()
    })
  }

  it('a flipped byte in a pack entry is a CorruptObjectError naming that object; the rest of the pack reads', async () => {
    const { dir, objects, index, pack } = await packedStore()
    const [target] = objects[20]
    const offset = index.offsetAt(index.find(idKey(target)))
    damage(pack, bytes => void (bytes[offset + 12] ^= 0x20))
    const backend = await openGitBackend(dir)
    const error = await expectCorrupt(backend.getObjects([target]), target)
    expect(error.message).toMatch(/CRC-32/)
    const others = objects.filter(([id]) => id !== target)
    const got = await backend.getObjects(others.map(([id]) => id))
    others.forEach(([, bytes], i) => expect(Buffer.from(got[i]!).equals(Buffer.from(bytes))).toBe(true))
    // A good copy elsewhere (here a loose one) is read instead of the damaged one.
    const framed = objects[20][1]
    mkdirSync(join(dir, 'objects', target.slice(0, 2)))
    writeFileSync(join(dir, 'objects', target.slice(0, 2), target.slice(2)), deflateSync(framed))
    expect(Buffer.from((await backend.getObjects([target]))[0]!).equals(Buffer.from(framed))).toBe(true)
    await backend.close()
  })

  it('a read through the store surfaces the damage, not the bytes', async () => {
    const dir = freshDir()
    const repo = await Repo.open({ backend: await openGitBackend(dir, { create: true }), contents: Contents.string })
    await repo.branch('main').set(['k'], 'precious value')
    await repo.close()
    const [blobId] = blobObject('precious value')
    const [idx] = packFiles(dir, 'idx')
    const index = PackIndex.parse(readFileSync(idx)) as PackIndex
    const offset = index.offsetAt(index.find(idKey(blobId)))
    damage(idx.replace(/\.idx$/, '.pack'), bytes => void (bytes[offset + 10] ^= 0x01))
    const again = await Repo.open({ backend: await openGitBackend(dir), contents: Contents.string })
    await expectCorrupt(again.branch('main').get(['k']), blobId)
    await again.close()
  })

  for (const [what, keep] of [
    ['by 100 bytes', (size: number) => size - 100],
    ['to its header', () => 10],
  ] as const) {
    it(`a pack truncated ${what} is a CorruptObjectError for its objects; writing them again repairs the store`, async () => {
      const { dir, objects, pack } = await packedStore()
      chmodSync(pack, 0o644)
      truncateSync(pack, keep(readFileSync(pack).length))
      let backend = await openGitBackend(dir)
      for (const [id] of [objects[0], objects[49]]) {
        const error = await expectCorrupt(backend.getObjects([id]), id)
        expect(error.message).toMatch(/damaged/)
      }
      expect(await backend.hasObjects([objects[0][0]])).toEqual([false])
      await backend.putObjects(objects)
      await backend.close()
      backend = await openGitBackend(dir)
      const got = await backend.getObjects(objects.map(([id]) => id))
      objects.forEach(([, bytes], i) => expect(Buffer.from(got[i]!).equals(Buffer.from(bytes))).toBe(true))
      await backend.close()
    })
  }
})

describe('ref locks', () => {
  async function lockedStore(options: { lockTimeoutMs?: number; staleLockMs?: number }, lockContents: string): Promise<{ backend: GitBackend; lock: string }> {
    const dir = freshDir()
    const backend = await openGitBackend(dir, { create: true, ...options })
    const lock = join(dir, 'refs', 'heads', 'main.lock')
    writeFileSync(lock, lockContents)
    return { backend, lock }
  }

  it('a lock older than the stale age (a crashed writer) is removed, not waited for', async () => {
    const { backend, lock } = await lockedStore({ staleLockMs: 2000 }, 'half-written by a crashed git\n')
    const old = (Date.now() - 60_000) / 1000
    utimesSync(lock, old, old)
    const start = Date.now()
    expect(await backend.casRef('refs/heads/main', undefined, ID_A)).toBe(true)
    expect(Date.now() - start).toBeLessThan(1000)
    expect(await backend.getRef('refs/heads/main')).toBe(ID_A)
    expect(existsSync(lock)).toBe(false)
    await backend.close()
  })

  it('an old lock whose irminsule owner still runs is never taken (a slow live writer keeps it)', async () => {
    const { backend, lock } = await lockedStore({ staleLockMs: 200, lockTimeoutMs: 500 }, `irminsule ${process.ppid} ${hostname()}\n`)
    const old = (Date.now() - 60_000) / 1000
    utimesSync(lock, old, old)
    await expect(backend.casRef('refs/heads/main', undefined, ID_A)).rejects.toMatchObject({ code: 'ELOCKTIMEOUT' })
    expect(readFileSync(lock, 'utf8')).toBe(`irminsule ${process.ppid} ${hostname()}\n`)
    expect(await backend.getRef('refs/heads/main')).toBeUndefined()
    await backend.close()
  })

  it('a fresh lock of an irminsule process that is gone is removed at once', async () => {
    const child = execFileSync(process.execPath, ['-e', 'console.log(process.pid)']).toString().trim()
    const { backend } = await lockedStore({ staleLockMs: 60_000, lockTimeoutMs: 5_000 }, `irminsule ${child} ${hostname()}\n`)
    const start = Date.now()
    expect(await backend.casRef('refs/heads/main', undefined, ID_A)).toBe(true)
    expect(Date.now() - start).toBeLessThan(1000)
    await backend.close()
  })

  it('opening removes what crashed writers left: locks of dead irminsule processes, old temporary packs', async () => {
    const dir = freshDir()
    await (await openGitBackend(dir, { create: true })).close()
    const dead = execFileSync(process.execPath, ['-e', 'console.log(process.pid)']).toString().trim()
    const lock = join(dir, 'refs', 'heads', 'main.lock')
    writeFileSync(lock, `irminsule ${dead} ${hostname()}\n`)
    const pack = join(dir, 'objects', 'pack')
    const hourAgo = (Date.now() - 3_600_000) / 1000
    for (const name of ['tmp_pack_old', 'tmp_idx_old', 'pack-0123.pack']) {
      writeFileSync(join(pack, name), 'half written')
      utimesSync(join(pack, name), hourAgo, hourAgo)
    }
    writeFileSync(join(pack, 'tmp_pack_in_progress'), 'being written')
    await (await openGitBackend(dir)).close()
    expect(existsSync(lock)).toBe(false)
    expect(readdirSync(pack)).toEqual(['tmp_pack_in_progress'])
    // git can move the ref again.
    const tree = git(dir, ['mktree'], '').trim()
    git(dir, ['update-ref', 'refs/heads/main', git(dir, ['commit-tree', tree, '-m', 'after the crash']).trim()])
  })

  it('a fresh lock held by another writer makes casRef wait, then succeed once it is released', async () => {
    const { backend, lock } = await lockedStore({ staleLockMs: 60_000, lockTimeoutMs: 5_000 }, `irminsule ${process.ppid} ${hostname()}\n`)
    const start = Date.now()
    setTimeout(() => removeDir(lock), 300)
    expect(await backend.casRef('refs/heads/main', undefined, ID_A)).toBe(true)
    expect(Date.now() - start).toBeGreaterThanOrEqual(250)
    expect(await backend.getRef('refs/heads/main')).toBe(ID_A)
    await backend.close()
  })

  it('a fresh lock that stays held fails casRef with a LockTimeoutError, and is left alone', async () => {
    const { backend, lock } = await lockedStore({ staleLockMs: 60_000, lockTimeoutMs: 300 }, 'held by git\n')
    const start = Date.now()
    await expect(backend.casRef('refs/heads/main', undefined, ID_A)).rejects.toMatchObject({ code: 'ELOCKTIMEOUT', name: 'LockTimeoutError' })
    expect(Date.now() - start).toBeGreaterThanOrEqual(300)
    expect(readFileSync(lock, 'utf8')).toBe('held by git\n')
    expect(await backend.getRef('refs/heads/main')).toBeUndefined()
    // Other refs are not held up.
    expect(await backend.casRef('refs/heads/other', undefined, ID_B)).toBe(true)
    await backend.close()
  })
})
