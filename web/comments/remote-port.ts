/**
 * The page's side of sync: the comments branch against the server it was loaded from, through
 * the library's sync client (`fetch`-based). The server is remembered as the lazy remote
 * `origin` with the `blob:none` filter: a pull brings commits and trees, and a thread's entries
 * arrive when the page first reads them — only the chapter being read. Pull merges (the log rule
 * unions both sides' entries); push asks the server to merge when it moved meanwhile (`irmin serve`
 * records `comments/` as logs, so it can) and brings that merge back, and is 'behind' only when the
 * server cannot merge (then the page pulls, merges and pushes again).
 */
import type { Repo } from '../../core/index.js'
import { addRemote, getRemote, trackingRef } from '../../sync/index.js'
import { COMMENTS_BRANCH } from './comment-store.js'
import type { SyncPort } from './syncer.js'

export const REMOTE = 'origin'
/** How far back `unsynced` counts (the badge shows "500+" beyond). */
export const UNSYNCED_SCAN = 500

export async function remotePort<T>(repo: Repo<T>, serverUrl: string): Promise<SyncPort> {
  if (!(await getRemote(repo, REMOTE))) await addRemote(repo, { name: REMOTE, url: serverUrl, filter: 'blob:none', lazy: true })
  return {
    async pull() {
      await repo.pull(REMOTE, COMMENTS_BRANCH, { strategy: 'merge', message: 'merge comments from the server' }).catch(error => {
        // A server whose branch does not exist yet has nothing to give: the first push creates it.
        if ((error as { code?: string }).code === 'ENOTFOUND') return
        throw error
      })
    },
    async push() {
      const head = await repo.backend.getRef(`refs/heads/${COMMENTS_BRANCH}`)
      if (head === undefined) return 'pushed'
      // The server had this head when last heard from (a pull brought it, or a push landed it):
      // nothing to send, and no request to make.
      if (head === (await repo.backend.getRef(trackingRef(REMOTE, COMMENTS_BRANCH)))) return 'pushed'
      try {
        // The server merges when it moved meanwhile (it records comment threads as logs, so both
        // sides' entries are kept); that merge arrived with the push and joins the local branch.
        const result = await repo.push(REMOTE, COMMENTS_BRANCH, { mode: 'merge', streamBody: false })
        if (result.new !== null && result.new !== head) await repo.branch(COMMENTS_BRANCH).mergeWithCommit(result.new, { message: 'merge comments from the server' })
        return 'pushed'
      } catch (error) {
        // By code, not class: a refusal from the server arrives as a SyncError carrying its wire code.
        const code = (error as { code?: string }).code
        // A server that cannot merge these (ECONFLICT: it does not know them as logs) leaves the
        // merge to this page: pull, merge here, push again.
        if (code === 'ECONFLICT' || code === 'ENONFASTFORWARD' || code === 'ESTALE') return 'behind'
        throw error
      }
    },
    async unsynced() {
      const head = await repo.backend.getRef(`refs/heads/${COMMENTS_BRANCH}`)
      if (head === undefined) return 0
      const server = await repo.backend.getRef(trackingRef(REMOTE, COMMENTS_BRANCH))
      if (server === head) return 0
      const seen = new Set<string>()
      if (server !== undefined) for await (const commit of repo.history(server, { depth: UNSYNCED_SCAN })) seen.add(commit.id)
      let count = 0
      for await (const commit of repo.history(head, { depth: UNSYNCED_SCAN })) if (!seen.has(commit.id)) count++
      return count
    },
  }
}
