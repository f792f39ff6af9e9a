/**
 * The conformance suite every backend runs (as abstract-level's `test/index.js` does for level
 * implementations); the package exports it as `irminsule/conformance`, apart from the production
 * entries, so that third-party backends can run it too. It is a list of named async cases with their own assertions and no test
 * framework, so the same cases run under vitest in Node and inside a page in real Chromium.
 *
 * A backend passes when every case passes against it:
 *   for (const c of conformanceCases()) test(c.name, () => c.run(factory))
 */
import type { Backend } from '../core/backend.js'
import { sha1 } from '../core/hash.js'
import { toHex } from '../core/hex.js'
import { frameObject } from '../core/objects/frame.js'
import { encodeUtf8 } from '../core/utf8.js'

export interface BackendFactory {
  /** A new, empty backend. `maxObjectSize` asks for a smaller object limit than the default. */
  open(options?: { maxObjectSize?: number }): Promise<Backend>
  /** For persistent backends: closes `backend` and opens the same storage again. */
  reopen?(backend: Backend): Promise<Backend>
}

export interface ConformanceCase {
  readonly name: string
  run(factory: BackendFactory): Promise<void>
}

export class ConformanceFailure extends Error {}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceFailure(message)
}

function same(actual: unknown, expected: unknown, message: string): void {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  check(a === e, `${message}: expected ${e}, got ${a}`)
}

function sameBytes(actual: Uint8Array | undefined, expected: Uint8Array, message: string): void {
  check(actual instanceof Uint8Array, `${message}: expected bytes, got ${String(actual)}`)
  check(actual.length === expected.length && actual.every((b, i) => b === expected[i]), `${message}: bytes differ`)
}

async function rejects(promise: Promise<unknown>, code: string, message: string): Promise<void> {
  try {
    await promise
  } catch (error) {
    const actual = (error as { code?: string }).code
    check(actual === code, `${message}: expected error ${code}, got ${actual} (${(error as Error).message})`)
    return
  }
  throw new ConformanceFailure(`${message}: expected error ${code}, but it succeeded`)
}

/** A real framed blob and its id. */
export function blobObject(content: string | Uint8Array): [string, Uint8Array] {
  const framed = frameObject('blob', typeof content === 'string' ? encodeUtf8(content) : content)
  return [toHex(sha1(framed)), framed]
}

function blobs(count: number, tag: string): Array<[string, Uint8Array]> {
  return Array.from({ length: count }, (_, i) => blobObject(`${tag}-${i}`))
}

async function collect(ids: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const id of ids) out.push(id)
  return out.sort()
}

async function withBackend(factory: BackendFactory, fn: (b: Backend) => Promise<void>, options?: { maxObjectSize?: number }): Promise<void> {
  const backend = await factory.open(options)
  try {
    await fn(backend)
  } finally {
    await backend.close()
  }
}

const ID_A = 'a'.repeat(40)
const ID_B = 'b'.repeat(40)
const ID_C = 'c'.repeat(40)

export function conformanceCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = []
  const add = (name: string, run: (factory: BackendFactory) => Promise<void>) => cases.push({ name, run })

  add('a batch of objects reads back in order, with undefined for absent ids', factory =>
    withBackend(factory, async b => {
      const objs = blobs(200, 'batch')
      await b.putObjects(objs)
      const absent = blobObject('never written')[0]
      const ids = [objs[5][0], absent, objs[199][0], objs[0][0], absent]
      const got = await b.getObjects(ids)
      same(got.length, 5, 'result length')
      sameBytes(got[0], objs[5][1], 'object 5')
      check(got[1] === undefined, 'absent id reads as undefined')
      sameBytes(got[2], objs[199][1], 'object 199')
      sameBytes(got[3], objs[0][1], 'object 0')
      check(got[4] === undefined, 'absent id read twice')
      const all = await b.getObjects(objs.map(o => o[0]))
      all.forEach((bytes, i) => sameBytes(bytes, objs[i][1], `object ${i}`))
    }),
  )

  add('hasObjects answers a batch', factory =>
    withBackend(factory, async b => {
      const objs = blobs(10, 'has')
      await b.putObjects(objs.slice(0, 5))
      same(await b.hasObjects(objs.map(o => o[0])), [true, true, true, true, true, false, false, false, false, false], 'presence')
      same(await b.hasObjects([]), [], 'empty batch')
      same(await b.getObjects([]), [], 'empty get')
      await b.putObjects([])
    }),
  )

  add('every byte value survives, and large objects too', factory =>
    withBackend(factory, async b => {
      const all = new Uint8Array(256 * 4)
      for (let i = 0; i < all.length; i++) all[i] = i % 256
      const big = new Uint8Array(3 * 1024 * 1024)
      for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24
      const objs = [blobObject(all), blobObject(big), blobObject('')]
      await b.putObjects(objs)
      const got = await b.getObjects(objs.map(o => o[0]))
      objs.forEach(([, bytes], i) => sameBytes(got[i], bytes, `object ${i}`))
    }),
  )

  add('re-putting an object is a no-op and objectIds lists each id once', factory =>
    withBackend(factory, async b => {
      const objs = blobs(20, 'idem')
      await b.putObjects(objs)
      await b.putObjects(objs.slice(0, 10))
      await b.putObjects([objs[3], objs[3]])
      same(await collect(b.objectIds()), objs.map(o => o[0]).sort(), 'object ids')
      sameBytes((await b.getObjects([objs[3][0]]))[0], objs[3][1], 'object 3 after re-put')
    }),
  )

  add('deleteObjects removes exactly what it names; absent ids are ignored', factory =>
    withBackend(factory, async b => {
      const objs = blobs(30, 'del')
      await b.putObjects(objs)
      const gone = objs.filter((_, i) => i % 3 === 0).map(o => o[0])
      await b.deleteObjects([...gone, blobObject('absent')[0]])
      same(await b.hasObjects(objs.map(o => o[0])), objs.map((_, i) => i % 3 !== 0), 'presence after delete')
      same(await collect(b.objectIds()), objs.filter((_, i) => i % 3 !== 0).map(o => o[0]).sort(), 'object ids after delete')
      await b.deleteObjects([])
      await b.putObjects([objs[0]])
      same(await b.hasObjects([objs[0][0]]), [true], 'an object can be put again after deletion')
    }),
  )

  add('casRef creates, moves and deletes refs only from the expected value', factory =>
    withBackend(factory, async b => {
      const ref = 'refs/heads/main'
      check((await b.getRef(ref)) === undefined, 'a new ref is absent')
      check(await b.casRef(ref, undefined, ID_A), 'create from absent')
      check(!(await b.casRef(ref, undefined, ID_B)), 'create when present fails')
      same(await b.getRef(ref), ID_A, 'after create')
      check(!(await b.casRef(ref, ID_B, ID_C)), 'move from a wrong value fails')
      same(await b.getRef(ref), ID_A, 'unchanged after a failed move')
      check(await b.casRef(ref, ID_A, ID_B), 'move from the right value')
      same(await b.getRef(ref), ID_B, 'after move')
      check(await b.casRef(ref, ID_B, ID_B), 'move to the same value succeeds')
      check(!(await b.casRef(ref, ID_A, undefined)), 'delete from a wrong value fails')
      check(await b.casRef(ref, ID_B, undefined), 'delete from the right value')
      check((await b.getRef(ref)) === undefined, 'absent after delete')
      check(!(await b.casRef(ref, ID_B, undefined)), 'deleting an absent ref from a value fails')
      check(await b.casRef(ref, undefined, undefined), 'absent → absent succeeds')
    }),
  )

  add('listRefs filters by prefix and sorts by name', factory =>
    withBackend(factory, async b => {
      const names = ['refs/heads/main', 'refs/heads/feature/x', 'refs/heads/a-b', 'refs/heads/a', 'refs/tags/v1', 'refs/heads/feature/y']
      for (const [i, name] of names.entries()) check(await b.casRef(name, undefined, [ID_A, ID_B, ID_C][i % 3]), `create ${name}`)
      same(
        (await b.listRefs('refs/heads/')).map(([n]) => n),
        ['refs/heads/a', 'refs/heads/a-b', 'refs/heads/feature/x', 'refs/heads/feature/y', 'refs/heads/main'],
        'heads',
      )
      same(await b.listRefs('refs/heads/feature/'), [['refs/heads/feature/x', ID_B], ['refs/heads/feature/y', ID_C]], 'feature refs with ids')
      same((await b.listRefs()).length, 6, 'all refs')
      same(await b.listRefs('refs/nothing/'), [], 'no match')
    }),
  )

  add('of many concurrent casRef calls with the same expected value, exactly one wins', factory =>
    withBackend(factory, async b => {
      const ref = 'refs/heads/race'
      let current: string | undefined
      for (let round = 0; round < 10; round++) {
        const candidates = Array.from({ length: 40 }, (_, i) => toHex(sha1(encodeUtf8(`${round}-${i}`))))
        const results = await Promise.all(candidates.map(c => b.casRef(ref, current, c)))
        const winners = candidates.filter((_, i) => results[i])
        same(winners.length, 1, `winners in round ${round}`)
        same(await b.getRef(ref), winners[0], `ref after round ${round}`)
        current = winners[0]
      }
    }),
  )

  add('concurrent compare-and-swap loops lose no increment', factory =>
    withBackend(factory, async b => {
      const ref = 'refs/heads/counter'
      const idOf = (n: number) => toHex(sha1(encodeUtf8(`count ${n}`)))
      const value = new Map<string, number>()
      for (let n = 0; n <= 200; n++) value.set(idOf(n), n)
      const worker = async () => {
        for (let done = 0; done < 20; ) {
          const current = await b.getRef(ref)
          const n = current === undefined ? 0 : value.get(current)!
          if (await b.casRef(ref, current, idOf(n + 1))) done++
        }
      }
      await Promise.all(Array.from({ length: 10 }, worker))
      same(value.get((await b.getRef(ref))!), 200, 'final count')
    }),
  )

  add('bad arguments are refused with typed errors and write nothing', factory =>
    withBackend(
      factory,
      async b => {
        const good = blobObject('good')
        await rejects(b.putObjects([good, ['not-an-id', good[1]]]), 'EINVALIDID', 'malformed id')
        await rejects(b.putObjects([good, [good[0].toUpperCase(), good[1]]]), 'EINVALIDID', 'uppercase id')
        await rejects(b.putObjects([[good[0], 'text' as unknown as Uint8Array]]), 'EINVAL', 'bytes that are not a Uint8Array')
        await rejects(b.putObjects([good, blobObject(new Uint8Array(64 * 1024 + 1))]), 'ETOOLARGE', 'an object over the limit')
        same(await b.hasObjects([good[0]]), [false], 'a refused batch writes nothing')
        await b.putObjects([blobObject(new Uint8Array(60 * 1024))])
        await rejects(b.getObjects(['xyz']), 'EINVALIDID', 'get of a malformed id')
        await rejects(b.hasObjects([42 as unknown as string]), 'EINVALIDID', 'has of a number')
        await rejects(b.deleteObjects(['../../etc/passwd']), 'EINVALIDID', 'delete of a path')
        for (const name of ['main', 'refs/heads/a..b', 'refs/heads/x.lock', 'refs/heads/a b', 'refs/heads/', 'refs//x', 'refs/heads/.hidden', 'refs/heads/a\u0000b', '']) {
          await rejects(b.casRef(name, undefined, ID_A), 'EINVAL', `casRef on ${JSON.stringify(name)}`)
          await rejects(b.getRef(name), 'EINVAL', `getRef on ${JSON.stringify(name)}`)
        }
        await rejects(b.casRef('refs/heads/ok', undefined, 'nope'), 'EINVALIDID', 'casRef to a malformed id')
        await rejects(b.casRef('refs/heads/ok', 'nope', ID_A), 'EINVALIDID', 'casRef from a malformed id')
        same(await b.listRefs(), [], 'no ref was created')
      },
      { maxObjectSize: 64 * 1024 },
    ),
  )

  add('calls after close are refused', async factory => {
    const b = await factory.open()
    await b.close()
    await rejects(b.getObjects([ID_A]), 'ECLOSED', 'getObjects after close')
    await rejects(b.putObjects([blobObject('late')]), 'ECLOSED', 'putObjects after close')
    await rejects(b.casRef('refs/heads/main', undefined, ID_A), 'ECLOSED', 'casRef after close')
    await rejects(b.getRef('refs/heads/main'), 'ECLOSED', 'getRef after close')
  })

  add('watchRefs (where supported) reports successful moves only', factory =>
    withBackend(factory, async b => {
      if (!b.watchRefs) return
      const seen: Array<[string, string | undefined]> = []
      const stop = b.watchRefs((name, id) => seen.push([name, id]))
      await b.casRef('refs/heads/w', undefined, ID_A)
      await b.casRef('refs/heads/w', ID_B, ID_C)
      await b.casRef('refs/heads/w', ID_A, undefined)
      stop()
      await b.casRef('refs/heads/w', undefined, ID_B)
      same(seen, [['refs/heads/w', ID_A], ['refs/heads/w', undefined]], 'reported moves')
    }),
  )

  add('objects and refs survive closing and reopening (persistent backends)', async factory => {
    if (!factory.reopen) return
    let b = await factory.open()
    const objs = blobs(50, 'durable')
    await b.putObjects(objs)
    await b.casRef('refs/heads/main', undefined, objs[0][0])
    await b.casRef('refs/heads/gone', undefined, objs[1][0])
    await b.casRef('refs/heads/gone', objs[1][0], undefined)
    await b.deleteObjects([objs[49][0]])
    b = await factory.reopen(b)
    try {
      const got = await b.getObjects(objs.map(o => o[0]))
      objs.slice(0, 49).forEach(([, bytes], i) => sameBytes(got[i], bytes, `object ${i} after reopen`))
      check(got[49] === undefined, 'a deleted object stays deleted')
      same(await b.listRefs(), [['refs/heads/main', objs[0][0]]], 'refs after reopen')
    } finally {
      await b.close()
    }
  })

  return cases
}
