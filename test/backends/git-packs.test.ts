/**
 * Pack upkeep in the git backend: one pack per batch, small packs rolled into one past the limit
 * (git's own delta packs included, their deltas kept), and objects deleted from packs — delta
 * bases too, whose deltas must stay readable. git checks every pack written (`verify-pack`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { openGitBackend } from '../../backends/git/index.js'
import { PackFile } from '../../backends/git/pack-file.js'
import { OBJ_OFS_DELTA, OBJ_REF_DELTA } from '../../backends/git/pack-format.js'
import { PackIndex } from '../../backends/git/pack-index.js'
import { blobObject } from '../../backends/conformance.js'
import { Contents, Repo } from '../../index.js'
import { gitObjects, packDeltas, packFiles } from '../helpers/git-objects.js'
import { git, gitStatus, removeDir, tempDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

function freshDir(): string {
  const dir = tempDir('irmin-git-packs-')
  dirs.push(dir)
  return dir
}

function expectPacksVerify(gitDir: string): void {
  for (const idx of packFiles(gitDir, 'idx')) {
    const result = gitStatus(gitDir, ['verify-pack', idx])
    expect(result.stderr, idx).toBe('')
    expect(result.status).toBe(0)
  }
}

function countEntries(gitDir: string, type: number): number {
  let count = 0
  for (const idx of packFiles(gitDir, 'idx')) {
    const index = PackIndex.parse(readFileSync(idx)) as PackIndex
    const pack = PackFile.open(dirname(idx), idx.slice(idx.lastIndexOf('/') + 1, -4), index)!
    for (let p = 0; p < index.count; p++) if (pack.entryAt(p, index.idAt(p)).type === type) count++
    pack.close()
  }
  return count
}

/** A bare repository whose history git packed with delta chains, its objects as git reads them. */
function deltaRepository(refDeltas = false): { dir: string; objects: Map<string, Uint8Array> } {
  const work = freshDir()
  git(work, ['init', '-q', '-b', 'main'])
  const text = Array.from({ length: 100 }, (_, i) => `line ${i} of a file with many versions\n`).join('')
  for (let c = 0; c < 8; c++) {
    for (let f = 0; f < 12; f++) {
      mkdirSync(join(work, `dir${f % 2}`), { recursive: true })
      writeFileSync(join(work, `dir${f % 2}`, `file${f}`), text + `version ${c}\n`.repeat(c + 1))
    }
    git(work, ['add', '-A'])
    git(work, ['commit', '-q', '-m', `version ${c}`])
  }
  const dir = join(freshDir(), 'bare')
  git(dirname(dir), ['clone', '-q', '--bare', work, dir])
  git(dir, [...(refDeltas ? ['-c', 'repack.useDeltaBaseOffset=false'] : []), 'repack', '-q', '-a', '-d', '-f', '--depth=50', '--window=50'])
  return { dir, objects: gitObjects(dir) }
}

async function expectReadsAsBefore(dir: string, objects: Map<string, Uint8Array>, except: string[] = []): Promise<void> {
  const backend = await openGitBackend(dir)
  try {
    const ids = [...objects.keys()]
    const got = await backend.getObjects(ids)
    ids.forEach((id, i) => {
      if (except.includes(id)) expect(got[i], id).toBeUndefined()
      else expect(got[i] && Buffer.from(got[i]!).equals(Buffer.from(objects.get(id)!)), id).toBe(true)
    })
    const listed: string[] = []
    for await (const id of backend.objectIds()) listed.push(id)
    expect(listed.sort()).toEqual(ids.filter(id => !except.includes(id)).sort())
  } finally {
    await backend.close()
  }
}

describe('pack roll-up', () => {
  it('writes one pack per batch and keeps the pack count at most maxPacks', async () => {
    const dir = freshDir()
    const backend = await openGitBackend(dir, { create: true, maxPacks: 4 })
    const repo = await Repo.open({ backend, contents: Contents.string })
    const main = repo.branch('main')
    const counts: number[] = []
    for (let c = 0; c < 12; c++) {
      await main.batch(tx => {
        for (let i = 0; i < 30; i++) tx.set([`d${i % 3}`, `k${c}-${i}`], `value ${c} ${i}`)
      })
      // Roll-ups run in the background: wait for them before counting.
      await backend.settled()
      counts.push(packFiles(dir, 'idx').length)
    }
    expect(counts.slice(0, 4)).toEqual([1, 2, 3, 4])
    expect(Math.max(...counts)).toBe(4)
    for (let c = 0; c < 12; c++) expect(await main.get([`d${c % 3}`, `k${c}-${c}`])).toBe(`value ${c} ${c}`)
    await repo.close()
    expectPacksVerify(dir)
    expect(gitStatus(dir, ['fsck', '--strict', '--no-dangling']).status).toBe(0)
    expect(git(dir, ['log', '--oneline']).trim().split('\n')).toHaveLength(12)
  })

  it('rolls a pack git wrote, with delta chains, into its own and keeps the deltas', async () => {
    const { dir, objects } = deltaRepository()
    const deltasBefore = countEntries(dir, OBJ_OFS_DELTA)
    expect(deltasBefore).toBeGreaterThan(10)
    const backend = await openGitBackend(dir, { maxPacks: 1 })
    // A batch of about the same size as git's pack, so the two are one tier and roll up together.
    const [gitPack] = packFiles(dir, 'pack')
    const extra = Array.from({ length: Math.ceil(readFileSync(gitPack).length / 500) }, () => blobObject(randomBytes(500)))
    await backend.putObjects(extra)
    await backend.close()
    expect(packFiles(dir, 'idx')).toHaveLength(1)
    expect(countEntries(dir, OBJ_OFS_DELTA)).toBe(deltasBefore)
    expectPacksVerify(dir)
    for (const [id, bytes] of extra) objects.set(id, bytes)
    await expectReadsAsBefore(dir, objects)
    expect(gitObjects(dir)).toEqual(objects)
  })
})

describe('deleting packed objects', () => {
  for (const kind of ['OBJ_OFS_DELTA', 'OBJ_REF_DELTA'] as const) {
    it(`removes a delta base from a pack of ${kind} entries; its deltas still read the same`, async () => {
      const { dir, objects } = deltaRepository(kind === 'OBJ_REF_DELTA')
      const type = kind === 'OBJ_REF_DELTA' ? OBJ_REF_DELTA : OBJ_OFS_DELTA
      const deltas = packDeltas(dir)
      const base = deltas.find(d => d.depth === 1)!.base
      const dependents = deltas.filter(d => d.base === base).map(d => d.id)
      expect(dependents.length).toBeGreaterThan(0)
      const deltasBefore = countEntries(dir, type)

      const backend = await openGitBackend(dir)
      await backend.deleteObjects([base, blobObject('never stored')[0]])
      expect(await backend.hasObjects([base, ...dependents])).toEqual([false, ...dependents.map(() => true)])
      await backend.close()

      expectPacksVerify(dir)
      // The dependents are whole objects now; every other delta stayed a delta.
      expect(countEntries(dir, type)).toBe(deltasBefore - dependents.length)
      await expectReadsAsBefore(dir, objects, [base])
    })
  }

  it('removes loose objects', async () => {
    const dir = freshDir()
    git(dir, ['init', '-q', '--bare'])
    const id = git(dir, ['hash-object', '-w', '--stdin'], 'loose one').trim()
    const backend = await openGitBackend(dir)
    expect(await backend.hasObjects([id])).toEqual([true])
    await backend.deleteObjects([id])
    expect(await backend.hasObjects([id])).toEqual([false])
    expect(gitStatus(dir, ['cat-file', '-e', id]).status).not.toBe(0)
    await backend.close()
  })
})
