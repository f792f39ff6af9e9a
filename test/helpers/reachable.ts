/**
 * Reads everything reachable from every ref of a repo (so every commit, tree and blob is
 * hash-checked once); throws on corruption, fails on anything missing; returns the commits seen.
 */
import { expect } from 'vitest'
import type { Repo } from '../../index.js'
import { reachable } from '../../core/reachable.js'

export async function checkReachable<T>(repo: Repo<T>): Promise<{ commits: Set<string>; objects: number }> {
  const commits = new Set<string>()
  const heads = (await repo.backend.listRefs('refs/heads/')).map(([, id]) => id)
  const result = await reachable(repo.objects, heads, {
    readBlobs: true,
    onObject: (id, kind) => {
      if (kind === 'commit') commits.add(id)
    },
  })
  expect(result.missing, 'objects reachable from a ref but missing').toEqual([])
  return { commits, objects: result.commits + result.trees + result.blobs }
}
