/**
 * Cold point reads through the engine, shared by the backend suites: a fresh process opens the
 * store and reads `reads` random keys of the standard workload (bench/workload.ts), recording the
 * object ids it fetched so the suite's raw peer can read the same objects in the same order.
 */
import { type Backend, Contents, Repo } from '../index.js'
import { time } from './report.js'
import { keyPath } from './workload.js'

export async function engineColdReads(inner: Backend, total: number, reads: number): Promise<{ seconds: number; fetched: string[] }> {
  const fetched: string[] = []
  const backend: Backend = Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, {
    getObjects: (ids: readonly string[]) => {
      fetched.push(...ids)
      return inner.getObjects(ids)
    },
  })
  const repo = await Repo.open({ backend, contents: Contents.bytes })
  const main = repo.branch('main')
  let seed = 777
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % total
  const keys = Array.from({ length: reads }, random)
  const seconds = await time(async () => {
    for (const k of keys) await main.get(keyPath(k))
  })
  await repo.close()
  return { seconds, fetched }
}
