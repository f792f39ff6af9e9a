/**
 * Model-based test: random requests (writes, mkdir, rm, reads, listings, perms, transactions
 * committed or discarded) against the daemon and against a plain Map from path to value and
 * perms, which implements the Xenstore rules directly (implicit parents with empty values and
 * inherited perms, rm of subtrees, rm of a missing node under an existing parent). Every reply
 * and the final tree must agree.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { XsClient } from '../../xenstore/client.js'
import { type RunningDaemon, startDaemon } from '../helpers/xenstore-daemon.js'

type Leaf =
  | { op: 'write'; path: string; value: string }
  | { op: 'mkdir' | 'rm' | 'read' | 'dir' | 'perms'; path: string }
  | { op: 'chmod'; path: string; perms: readonly string[] }
type Op = Leaf | { op: 'tx'; body: Leaf[]; commit: boolean }

const NAMES = ['a', 'b', 'a/b', 'a/b/c', 'b/x', 'c']
const leaf: fc.Arbitrary<Leaf> = fc.oneof(
  fc.record({ op: fc.constant('write' as const), path: fc.constantFrom(...NAMES), value: fc.constantFrom('', '1', 'two', 'x\0y') }),
  fc.record({ op: fc.constantFrom('mkdir' as const, 'rm' as const, 'read' as const, 'dir' as const, 'perms' as const), path: fc.constantFrom(...NAMES) }),
  fc.record({ op: fc.constant('chmod' as const), path: fc.constantFrom(...NAMES), perms: fc.constantFrom(['n0'], ['r0', 'w4'], ['b0', 'n2']) }),
)
const op: fc.Arbitrary<Op> = fc.oneof({ weight: 5, arbitrary: leaf }, { weight: 1, arbitrary: fc.record({ op: fc.constant('tx' as const), body: fc.array(leaf, { maxLength: 6 }), commit: fc.boolean() }) })

interface Node {
  value: string
  perms: string
}
type Model = Map<string, Node>

const parentOf = (path: string) => path.slice(0, path.lastIndexOf('/'))

/** The expected reply of `o` on `model` (changed in place), as the normalised text the test compares. */
function expected(model: Model, o: Leaf, base: string): string {
  const path = `${base}/${o.path}`
  const node = model.get(path)
  switch (o.op) {
    case 'read':
      return node ? node.value : 'ENOENT'
    case 'dir': {
      if (!node) return 'ENOENT'
      return [...model.keys()].filter(p => parentOf(p) === path).map(p => p.slice(path.length + 1)).sort().join(',')
    }
    case 'perms':
      return node ? node.perms : 'ENOENT'
    case 'chmod':
      if (!node) return 'ENOENT'
      node.perms = o.perms.map(p => `${p}\0`).join('')
      return 'OK'
    case 'write':
    case 'mkdir': {
      if (node) {
        if (o.op === 'write') node.value = o.value
        return 'OK'
      }
      let ancestor = parentOf(path)
      const missing = [path]
      while (!model.has(ancestor)) {
        missing.push(ancestor)
        ancestor = parentOf(ancestor)
      }
      const perms = model.get(ancestor)!.perms
      for (const p of missing) model.set(p, { value: '', perms })
      if (o.op === 'write') model.get(path)!.value = o.value
      return 'OK'
    }
    case 'rm':
      if (!node) return model.has(parentOf(path)) ? 'OK' : 'ENOENT'
      for (const p of [...model.keys()]) if (p === path || p.startsWith(`${path}/`)) model.delete(p)
      return 'OK'
  }
}

async function actual(client: XsClient, o: Leaf, base: string, tx: number): Promise<string> {
  const path = `${base}/${o.path}`
  const reply =
    o.op === 'read' ? await client.read(path, tx)
    : o.op === 'dir' ? await client.directory(path, tx)
    : o.op === 'perms' ? await client.getPerms(path, tx)
    : o.op === 'chmod' ? await client.setPerms(path, [...o.perms], tx)
    : o.op === 'write' ? await client.write(path, o.value, tx)
    : o.op === 'mkdir' ? await client.mkdir(path, tx)
    : await client.rm(path, tx)
  if (reply.error) return reply.error
  if (o.op === 'dir') return reply.text.split('\0').filter(Boolean).join(',')
  return reply.text === 'OK\0' && o.op !== 'read' ? 'OK' : reply.text
}

let daemon: RunningDaemon
let client: XsClient
beforeAll(async () => {
  daemon = await startDaemon()
  client = await XsClient.connect(daemon.socket)
})
afterAll(async () => {
  await client?.close()
  await daemon?.stop()
})

let run = 0
test('the daemon answers as a Map of paths does', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 25 }), async ops => {
      const base = `/m${run++}`
      expect(await client.mkdir(base)).toMatchObject({ error: undefined })
      const model: Model = new Map([[base, { value: '', perms: 'n0\0' }]])
      for (const o of ops) {
        if (o.op !== 'tx') {
          expect(await actual(client, o, base, 0)).toBe(expected(model, o, base))
          continue
        }
        const tx = await client.start()
        const fork: Model = new Map([...model].map(([k, v]) => [k, { ...v }]))
        for (const inner of o.body) expect(await actual(client, inner, base, tx)).toBe(expected(fork, inner, base))
        expect((await client.end(tx, o.commit)).text).toBe('OK\0')
        if (o.commit) {
          model.clear()
          for (const [k, v] of fork) model.set(k, v)
        }
      }
      for (const [path, node] of model) {
        expect((await client.read(path)).text).toBe(node.value)
        expect((await client.getPerms(path)).text).toBe(node.perms)
      }
      const all = [...model.keys()].filter(p => parentOf(p) === base).sort()
      expect((await client.directory(base)).text.split('\0').filter(Boolean).map(n => `${base}/${n}`)).toEqual(all)
      await client.rm(base)
    }),
    { numRuns: 300 },
  )
}, 120_000)
