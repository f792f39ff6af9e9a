/**
 * The daemon's in-memory nodes hash to the very trees the store's own write path makes of the
 * same content (node-objects.ts serialises them itself, to hash only what a change made new).
 */
import { expect, test } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { NodeObjects } from '../../xenstore/node-objects.js'
import { newNode, nodeAt, updateAt, type XNode } from '../../xenstore/node-tree.js'
import { latin1Bytes } from '../../xenstore/wire.js'

test('a node tree hashes as the store writes it, names in git order included', async () => {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
  const perms = latin1Bytes('n0\0')
  const other = latin1Bytes('r3\0w5\0')
  // Names around `.p`/`.v` in git's order: `-` sorts before `.`, and `a` before `a-b` only as a file.
  const paths = ['a', 'a/-x', 'a/a-b', 'a/a', 'a/a/_', 'a/@w', 'b', 'b/0', 'b/Z', 'b/z-', 'c']
  let root: XNode = newNode(perms)
  const store = repo.branch('main')
  await store.batch(b => {
    b.set(['.p'], perms)
    b.set(['.v'], new Uint8Array(0))
    paths.forEach((path, i) => {
      const steps = path.split('/')
      const p = i % 3 === 0 ? other : perms
      const value = latin1Bytes(i % 2 === 0 ? `value ${i}\0\xff` : '')
      root = updateAt(root, steps, () => newNode(p, value))
      b.set([...steps, '.p'], p)
      b.set([...steps, '.v'], value)
    })
  })
  const objects = new NodeObjects(bytes => repo.objects.hash(bytes))
  const written = new Map<string, Uint8Array>()
  expect(objects.store(root, (id, bytes) => written.set(id, bytes))).toBe((await store.tree()).hash())
  for (const [id, bytes] of written) expect(repo.objects.hash(bytes)).toBe(id)
  expect(await repo.backend.hasObjects([...written.keys()])).toEqual([...written.keys()].map(() => true))
})

test('a node with many children keeps them in git order through inserts and removals, and finds each', async () => {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
  const perms = latin1Bytes('n0\0')
  // Past the few children found by a scan: the binary search, with names that order differently as trees.
  const names = Array.from({ length: 60 }, (_, i) => [`n${i}`, `n${i}-x`, `n${i}_`, `-${i}`, `@${i}`, `N${i}`][i % 6]!)
  let seed = 7
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const order = [...names].sort(() => random() - 0.5)
  let root: XNode = newNode(perms)
  for (const name of order) root = updateAt(root, [name], () => newNode(perms, latin1Bytes(name)))
  const removed = new Set(order.filter((_, i) => i % 4 === 1))
  for (const name of removed) root = updateAt(root, [name], () => undefined)
  const kept = names.filter(name => !removed.has(name))
  const store = repo.branch('main')
  await store.batch(b => {
    b.set(['.p'], perms)
    b.set(['.v'], new Uint8Array(0))
    for (const name of kept) {
      b.set([name, '.p'], perms)
      b.set([name, '.v'], latin1Bytes(name))
    }
  })
  expect(root.names).toEqual((await (await store.tree()).list([])).filter(name => !name.startsWith('.')))
  for (const name of kept) expect(nodeAt(root, [name])?.value).toEqual(latin1Bytes(name))
  for (const name of removed) expect(nodeAt(root, [name])).toBeUndefined()
  expect(new NodeObjects(bytes => repo.objects.hash(bytes)).treeId(root)).toBe((await store.tree()).hash())
})
