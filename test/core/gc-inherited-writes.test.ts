/**
 * A write under way when a collection begins (its objects stored, its ref not moved yet) may
 * already have released the pins on what it builds from: a git fetch unpins its haves once its
 * pack is stored, then moves the tracking ref. The collection keeps that write's objects, and
 * must also keep what they name once a ref points at them: the commit the ref named before.
 * Deterministic form of test/git-protocol/client-gc.test.ts's loss, on every GC backend.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { type Backend, Contents, openMemoryBackend, Repo } from '../../index.js'
import { gcBackends } from '../helpers/gc-backends.js'
import { removeDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

async function ids(backend: Backend): Promise<Set<string>> {
  const out = new Set<string>()
  for await (const id of backend.objectIds()) out.add(id)
  return out
}

describe.each(gcBackends(dirs))('a write under way when GC begins (%s)', (_name, open) => {
  it('keeps the old tip its commits name once the ref moves to them, though nothing pins it', async () => {
    // The "remote": two commits, the second on top of the first.
    const source = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
    const c1 = (await source.branch('main').set(['a'], 'one'))!.id
    const first = await ids(source.backend)
    const c2 = (await source.branch('main').set(['a'], 'two'))!.id
    const second = [...(await ids(source.backend))].filter(id => !first.has(id))
    const framed = async (list: readonly string[]) => (await source.backend.getObjects(list)).map((bytes, i) => [list[i], bytes!] as [string, Uint8Array])

    const { backend } = await open()
    const repo = await Repo.open({ backend, contents: Contents.string })
    const ref = 'refs/remotes/origin/main'
    // An earlier fetch: c1 stored, the tracking ref names it.
    await backend.putObjects(await framed([...first]))
    expect(await backend.casRef(ref, undefined, c1)).toBe(true)
    // This fetch: c2 and what is new in it stored through a tracked write; the ref moves to c2;
    // a collection begins before the write is released. c1 is pinned by nobody.
    const tracking = repo.objects.gc.beginWrite()
    const writer = repo.objects.writer(tracking)
    for (const [id, bytes] of await framed(second)) writer.add(id, bytes)
    await writer.finish()
    expect(await backend.casRef(ref, c1, c2)).toBe(true)
    try {
      await repo.gc()
    } finally {
      tracking.release()
    }
    expect((await backend.hasObjects([c1, c2]))).toEqual([true, true])
    expect((await repo.fsck()).damage).toEqual([])
    // And the next collection, with the write done, keeps them as the ref's history.
    await repo.gc()
    expect((await backend.hasObjects([...first, ...second])).every(Boolean)).toBe(true)
    await repo.close()
    await source.close()
  })
})
