/** Checks on a backend's stored objects, shared by the LevelDB value log tests. */
import { expect } from 'vitest'
import type { Backend } from '../../index.js'

/** Every object the backend lists, with its size (each listed once). */
export async function listing(backend: Backend): Promise<Map<string, number>> {
  const sizes = new Map<string, number>()
  for await (const batch of backend.objectSizes!()) {
    for (const [id, size] of batch) {
      expect(sizes.has(id)).toBe(false)
      sizes.set(id, size)
    }
  }
  return sizes
}

/** The objects read back whole, batched and one by one, are present, and are listed with their sizes. */
export async function expectStored(backend: Backend, objects: ReadonlyArray<readonly [string, Uint8Array]>): Promise<void> {
  const ids = objects.map(([id]) => id)
  const read = await backend.getObjects(ids)
  read.forEach((bytes, i) => expect(Buffer.from(bytes!).equals(objects[i]![1])).toBe(true))
  ids.forEach((id, i) => expect(Buffer.from(backend.getObjectsSync!([id])[0]!).equals(objects[i]![1])).toBe(true))
  expect(await backend.hasObjects(ids)).toEqual(ids.map(() => true))
  const sizes = await listing(backend)
  for (const [id, bytes] of objects) expect(sizes.get(id)).toBe(bytes.length)
}
