/**
 * fsck beside a writer: a commit that lands while fsck runs (here: just after it listed the
 * objects, the worst moment) is not reported as a ref naming a missing object.
 */
import { describe, expect, it } from 'vitest'
import type { Backend } from '../../core/backend.js'
import { Contents, openMemoryBackend, Repo } from '../../index.js'

describe('fsck beside a writer', () => {
  it('a commit landing after the object listing reads as no damage', async () => {
    const inner = openMemoryBackend()
    let afterListing: (() => Promise<void>) | undefined
    const backend: Backend = Object.create(inner, {
      objectIds: {
        value: async function* () {
          yield* inner.objectIds()
          await afterListing?.()
        },
      },
    })
    const repo = await Repo.open({ backend, contents: Contents.string })
    await repo.branch('main').set(['a'], 'one')
    afterListing = async () => {
      afterListing = undefined
      await repo.branch('main').set(['b'], 'two')
    }
    const report = await repo.fsck()
    expect(afterListing).toBeUndefined() // the writer did commit during the check
    expect(report.damage).toEqual([])
    expect(await repo.branch('main').get(['b'])).toBe('two')
    await repo.close()
  })
})
