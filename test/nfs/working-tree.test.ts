/**
 * The working tree against a plain Map model: any sequence of creates, writes, truncates,
 * removes, renames and commits reads as the model says, and after a commit the branch holds
 * exactly the model (plus what another writer put beside it).
 */
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { type Backend, Contents, openLevelBackend, openMemoryBackend, Repo } from '../../index.js'
import { WorkingTree } from '../../nfs-export/working-tree.js'
import { removeDir, tempDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

/** In memory; and on LevelDB with files past 16 bytes in spools (spool-buffer.ts), adopted at each commit. */
const setups: Array<[string, () => Promise<Backend>, number | undefined]> = [
  ['memory', async () => openMemoryBackend(), undefined],
  [
    'LevelDB, spooled',
    async () => {
      const dir = tempDir('irmin-wt-spool-')
      dirs.push(dir)
      return openLevelBackend(join(dir, 'db'))
    },
    16,
  ],
]

const NAMES = ['a', 'b', 'c']
const DIRS = ['d1', 'd2']
const pathArb = fc.tuple(fc.constantFrom(...DIRS), fc.constantFrom(...NAMES))

type Op =
  | { kind: 'create'; path: [string, string] }
  | { kind: 'write'; path: [string, string]; offset: number; data: Uint8Array }
  | { kind: 'truncate'; path: [string, string]; size: number }
  | { kind: 'remove'; path: [string, string] }
  | { kind: 'rename'; from: [string, string]; to: [string, string] }
  | { kind: 'flush' }
  | { kind: 'other'; n: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), path: pathArb }),
  fc.record({ kind: fc.constant('write' as const), path: pathArb, offset: fc.nat(40), data: fc.uint8Array({ minLength: 1, maxLength: 30 }) }),
  fc.record({ kind: fc.constant('truncate' as const), path: pathArb, size: fc.nat(50) }),
  fc.record({ kind: fc.constant('remove' as const), path: pathArb }),
  fc.record({ kind: fc.constant('rename' as const), from: pathArb, to: pathArb }),
  fc.record({ kind: fc.constant('flush' as const) }),
  fc.record({ kind: fc.constant('other' as const), n: fc.nat(3) }),
)

const k = (p: readonly string[]) => p.join('/')

describe.each(setups)('working tree (%s)', (_, open, spoolMin) => {
  it('reads and commits what a Map model of the same operations holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 25 }), async ops => {
        const repo = await Repo.open({ backend: await open(), contents: Contents.bytes })
        const main = repo.branch('main')
        await main.batch(tx => DIRS.forEach(d => tx.set([d, 'keep'], new Uint8Array([1]))))
        const wt = await WorkingTree.open({ store: main, treeOf: id => repo.treeOf(id), objects: repo.objects, spoolMin, readOnly: false, author: 'test <t@t>', idleMs: 60_000, maxFileSize: 1 << 20, onError: () => {} })
        const model = new Map<string, number[]>(DIRS.map(d => [`${d}/keep`, [1]]))
        const others = new Map<string, number[]>()
        const fails = async (fn: () => Promise<void>) => fn().then(() => false, () => true)
        for (const op of ops) {
          if (op.kind === 'create') {
            expect(await fails(() => wt.create(op.path, false))).toBe(false)
            model.set(k(op.path), [])
          } else if (op.kind === 'write') {
            const failed = await fails(() => wt.write(op.path, op.offset, op.data))
            expect(failed).toBe(!model.has(k(op.path)))
            if (failed) continue
            const bytes = model.get(k(op.path))!
            while (bytes.length < op.offset) bytes.push(0)
            op.data.forEach((b, i) => (bytes[op.offset + i] = b))
          } else if (op.kind === 'truncate') {
            const failed = await fails(() => wt.setSize(op.path, op.size))
            expect(failed).toBe(!model.has(k(op.path)))
            if (failed) continue
            const bytes = model.get(k(op.path))!
            bytes.length = Math.min(bytes.length, op.size)
            while (bytes.length < op.size) bytes.push(0)
          } else if (op.kind === 'remove') {
            expect(await fails(() => wt.remove(op.path))).toBe(!model.has(k(op.path)))
            model.delete(k(op.path))
          } else if (op.kind === 'rename') {
            const failed = await fails(() => wt.rename(op.from, op.to))
            expect(failed).toBe(!model.has(k(op.from)))
            if (failed || k(op.from) === k(op.to)) continue
            model.set(k(op.to), model.get(k(op.from))!)
            model.delete(k(op.from))
          } else if (op.kind === 'flush') {
            await wt.flush()
          } else {
            // Another writer on the branch, on paths NFS never touches.
            await main.set(['other', `o${op.n}`], new Uint8Array([op.n]))
            others.set(`other/o${op.n}`, [op.n])
            await wt.refresh()
          }
        }
        for (const d of DIRS) {
          for (const name of NAMES) {
            const node = await wt.stat([d, name])
            const want = model.get(`${d}/${name}`)
            expect(node?.size).toBe(want?.length)
            if (want) expect(Array.from((await wt.read([d, name], 0, 1000)).data)).toEqual(want)
          }
        }
        await wt.flush()
        const stored = new Map<string, number[]>()
        for await (const [path, value] of (await main.tree()).walk()) stored.set(k(path), Array.from(value))
        expect(stored).toEqual(new Map([...model, ...others]))
        await wt.close()
        expect((await repo.fsck()).damage).toEqual([])
        await repo.close()
      }),
      { numRuns: 60 },
    )
  })
})

describe('working tree spools', () => {
  it('a file written again after its spool became a stored blob is written to a copy; the stored blob stays as committed', async () => {
    const [, open] = setups[1]!
    const repo = await Repo.open({ backend: await open(), contents: Contents.bytes })
    const main = repo.branch('main')
    const wt = await WorkingTree.open({ store: main, treeOf: id => repo.treeOf(id), objects: repo.objects, spoolMin: 16, readOnly: false, author: 'test <t@t>', idleMs: 60_000, maxFileSize: 1 << 20, onError: () => {} })
    const first = Uint8Array.from({ length: 40 }, (_, i) => i + 1)
    await wt.create(['f'], false)
    await wt.write(['f'], 0, first)
    await wt.flush()
    const committed = await main.head()
    expect(Array.from(await main.get(['f']))).toEqual(Array.from(first))
    await wt.write(['f'], 5, new Uint8Array([200, 201]))
    await wt.setSize(['f'], 30)
    const second = [...first.slice(0, 5), 200, 201, ...first.slice(7, 30)]
    expect(Array.from((await wt.read(['f'], 0, 100)).data)).toEqual(second)
    await wt.rename(['f'], ['g'])
    await wt.flush()
    expect(Array.from(await main.get(['g']))).toEqual(second)
    expect(await main.find(['f'])).toBeUndefined()
    // The first commit's blob is the adopted spool: unchanged by the writes after it.
    expect(Array.from(await (await repo.treeOf(committed!.tree)).get(['f']))).toEqual(Array.from(first))
    await wt.close()
    expect((await repo.fsck()).damage).toEqual([])
    await repo.close()
  })
})
