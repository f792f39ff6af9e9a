/**
 * The daemon's write-behind layer over a backend: reads see what was put at once; the wrapped
 * backend gets objects before the refs that name them; `flush` returns even while writes keep
 * coming, having written what came before it; a failed batch stops further writes.
 */
import { expect, test } from 'vitest'
import { type Backend, openMemoryBackend } from '../../index.js'
import { WriteBehindBackend } from '../../xenstore/write-behind.js'

const id = (n: number) => n.toString(16).padStart(40, '0')
const bytes = (n: number) => new TextEncoder().encode(`blob ${String(n).length}\0${n}`)

/** The inner backend, noting every ref move whose target it did not hold yet. */
function recording(inner: Backend) {
  const early: string[] = []
  const backend: Backend = Object.assign(Object.create(inner) as Backend, {
    casRef: async (name: string, expected: string | undefined, next: string | undefined) => {
      if (next !== undefined && !(await inner.hasObjects([next]))[0]) early.push(next)
      return inner.casRef(name, expected, next)
    },
  })
  return { backend, early }
}

test('reads see puts at once; objects reach the wrapped backend before the refs naming them', async () => {
  const inner = openMemoryBackend()
  const { backend, early } = recording(inner)
  const wb = new WriteBehindBackend(backend, 5)
  for (let n = 1; n <= 200; n++) {
    await wb.putObjects([[id(n), bytes(n)]])
    expect(await wb.casRef('refs/heads/x', n === 1 ? undefined : id(n - 1), id(n))).toBe(true)
    expect((await wb.getObjects([id(n)]))[0]).toEqual(bytes(n))
    expect(await wb.getRef('refs/heads/x')).toBe(id(n))
  }
  expect(await wb.casRef('refs/heads/x', id(1), id(2))).toBe(false)
  await wb.flush()
  expect(early).toEqual([])
  expect(await inner.getRef('refs/heads/x')).toBe(id(200))
  expect(wb.flushes).toBeLessThan(200) // batched
})

test('flush returns under a steady stream of writes, with everything from before it written', async () => {
  const inner = openMemoryBackend()
  // Slow as a disk is: writes keep arriving while a batch is being written.
  const slow = Object.assign(Object.create(inner) as Backend, {
    putObjects: async (objects: Parameters<Backend['putObjects']>[0]) => {
      await new Promise(resolve => setTimeout(resolve, 5))
      return inner.putObjects(objects)
    },
  })
  const wb = new WriteBehindBackend(slow, 2)
  let stop = false
  let n = 0
  const writer = (async () => {
    while (!stop) {
      n++
      await wb.putObjects([[id(n), bytes(n)]])
      await wb.casRef('refs/heads/x', n === 1 ? undefined : id(n - 1), id(n))
      await new Promise(resolve => setImmediate(resolve))
    }
  })()
  await new Promise(resolve => setTimeout(resolve, 50))
  const before = n
  await wb.flush()
  expect((await inner.hasObjects([id(before)]))[0]).toBe(true)
  stop = true
  await writer
  await wb.flush()
  expect(await inner.getRef('refs/heads/x')).toBe(id(n))
  await wb.close()
}, 10_000)

test('after a failed batch, writes are refused rather than acknowledged and lost', async () => {
  const inner = openMemoryBackend()
  const failing: Backend = Object.assign(Object.create(inner) as Backend, { putObjects: async () => Promise.reject(new Error('disk full')) })
  const wb = new WriteBehindBackend(failing, 1)
  await wb.putObjects([[id(1), bytes(1)]])
  await expect(wb.flush()).rejects.toThrow('disk full')
  await expect(wb.putObjects([[id(2), bytes(2)]])).rejects.toThrow('disk full')
})
