/**
 * The daemon's in-memory nodes hash to the very trees the store's own write path makes of the
 * same content (node-objects.ts serialises them itself, to hash only what a change made new).
 */
import { expect, test } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { NodeObjects } from '../../xenstore/node-objects.js'
import { newNode, updateAt, type XNode } from '../../xenstore/node-tree.js'
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
