/** /api/paths's search against a plain model: every path (directories too) holding every word. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { SEARCH_RESULTS_MAX, searchPaths } from '../../cli/server/path-search.js'

const dirs = fc.constantFrom('src', 'Docs', 'deep', 'a b')
const files = fc.constantFrom('notes.md', 'README', 'x.txt', 'App.json')
const filePath = fc.tuple(fc.array(dirs, { maxLength: 3 }), files).map(([d, f]) => [...d, f])

async function storeOf(paths: string[][]): Promise<{ repo: Repo<Uint8Array>; commit: string }> {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
  const head = await repo.branch('main').batch(tx => {
    for (const path of paths) tx.set(path, new TextEncoder().encode(path.join('/')))
  })
  return { repo, commit: head!.id }
}

/** Every file and every directory above one, as `a/b/c`. */
function modelPaths(paths: string[][]): Map<string, 'dir' | 'file'> {
  const all = new Map<string, 'dir' | 'file'>()
  for (const path of paths) {
    for (let i = 1; i < path.length; i++) all.set(path.slice(0, i).join('/'), 'dir')
    all.set(path.join('/'), 'file')
  }
  return all
}

describe('path search', () => {
  it('finds what the model finds, case-insensitively, in path order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(filePath, { minLength: 1, maxLength: 30 }), fc.array(fc.constantFrom('s', 'DOC', 'e', 'notes', '.', 'a b', 'x', 'json'), { minLength: 1, maxLength: 2 }), async (paths, words) => {
        const { repo, commit } = await storeOf(paths)
        const query = words.join(' ')
        const wanted = query.toLowerCase().split(' ').filter(Boolean)
        const expected = [...modelPaths(paths)]
          .filter(([path]) => wanted.every(word => path.toLowerCase().includes(word)))
          .map(([path, kind]) => ({ path, kind }))
          .sort((a, b) => (a.path < b.path ? -1 : 1))
        expect(await searchPaths(repo, commit, query)).toEqual({ commit, query, paths: expected, truncated: false })
        await repo.close()
      }),
      { numRuns: 40 },
    )
  })

  it(`lists at most ${SEARCH_RESULTS_MAX} paths, and says it left some out`, async () => {
    const { repo, commit } = await storeOf(Array.from({ length: SEARCH_RESULTS_MAX + 50 }, (_, i) => ['many', `file-${String(i).padStart(3, '0')}`]))
    const found = await searchPaths(repo, commit, 'file')
    expect(found.truncated).toBe(true)
    expect(found.paths).toHaveLength(SEARCH_RESULTS_MAX)
    expect(found.paths[0].path).toBe('many/file-000')
    await repo.close()
  })
})
