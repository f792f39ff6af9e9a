/**
 * Defect 1 of issue 9: a put and a deletion of the same id must not interleave unsafely. A writer
 * that sets a key back to an old value re-creates a garbage tree; if its put lands between the
 * sweep's decision to delete that tree and the deletion itself, the backend skips it (the object
 * is still there: memory, or a pack under rewrite on git) or applies it before the delete
 * (LevelDB), and the new head names a missing tree. A wrapper makes the deletion slow and starts
 * the writer inside that window, so the interleaving happens every time.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { type Backend, Contents, Repo } from '../../index.js'
import { COMMIT } from '../../core/commit.js'
import { gcBackends } from '../helpers/gc-backends.js'
import { gitStatus, removeDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

const backends = gcBackends(dirs)

/** `backend`, with `beforeDelete` awaited before each batch of deletions reaches it. */
function slowDeletions(backend: Backend, beforeDelete: (ids: readonly string[]) => Promise<void>): Backend {
  return new Proxy(backend, {
    get(target, property) {
      if (property === 'deleteObjects') {
        return async (ids: readonly string[]) => {
          await beforeDelete(ids)
          return target.deleteObjects(ids)
        }
      }
      if (property === 'beginDeletions' && target.beginDeletions) {
        return () => {
          const deletions = target.beginDeletions!()
          return {
            delete: async (ids: readonly string[]) => {
              await beforeDelete(ids)
              return deletions.delete(ids)
            },
            finish: () => deletions.finish(),
          }
        }
      }
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

for (const [name, open] of backends) {
  describe(`put beside a deletion of the same id, on ${name}`, () => {
    it('a tree re-created while the sweep deletes it is there afterwards', async () => {
      const { backend: inner, gitDir } = await open()
      let writing: Promise<unknown> | undefined
      let oldTree = ''
      let repo!: Repo<string>
      const backend = slowDeletions(inner, async ids => {
        if (writing || !ids.includes(oldTree)) return
        // The sweep has decided to delete the old tree: now a writer brings it back.
        writing = repo.branch('main').set(['k'], 'old')
        await new Promise(resolve => setTimeout(resolve, 50))
      })
      repo = await Repo.open({ backend, contents: Contents.string })
      const main = repo.branch('main')
      const first = (await main.set(['k'], 'old'))!
      oldTree = (await repo.objects.load(first.id, COMMIT)).tree
      await main.set(['k'], 'new')
      const report = await repo.gc({ keepCommits: 1, pruneExpire: new Date() })
      expect(writing, 'the sweep deleted the old tree').toBeDefined()
      const head = (await writing) as { id: string }
      expect(report.removed).toBeGreaterThan(0)
      expect((await repo.fsck()).damage).toEqual([])
      // A second repo on the same backend object: nothing cached, every object read again.
      const fresh = await Repo.open({ backend: inner, contents: Contents.string })
      expect((await fresh.branch('main').head())?.id).toBe(head.id)
      expect(await fresh.branch('main').get(['k'])).toBe('old')
      expect((await fresh.fsck()).damage).toEqual([])
      if (gitDir) {
        const fsck = gitStatus(gitDir, ['fsck', '--strict', '--no-dangling'])
        expect(fsck.status, fsck.stderr).toBe(0)
      }
      await fresh.close()
    })
  })
}
