/**
 * Pull: fetch a remote branch into its tracking ref, then bring the local branch up to it —
 * `fast-forward` (the default) only moves the branch when it is behind, `merge` makes a merge
 * commit when both sides have new commits (three-way, with this repo's contents rules; conflicts
 * throw `MergeConflictError` and leave the branch as it was). A local branch that does not exist
 * yet is created at the remote's commit.
 */
import type { CommitInfo, Repo } from '../../core/index.js'
import { NotFoundError } from '../../core/index.js'
import { branchRef } from '../../core/ref-name.js'
import { NonFastForwardError } from '../errors.js'
import { type FetchOptions, type FetchResult, fetchRemote } from './fetch.js'
import { trackingRef } from './remotes.js'

export interface PullOptions extends Omit<FetchOptions, 'branches'> {
  readonly strategy?: 'merge' | 'fast-forward'
  /** The remote branch (default: the local branch's name). */
  readonly remoteBranch?: string
  /** The merge commit's message (default: "merge <remote>/<branch> into <branch>"). */
  readonly message?: string
}

export interface PullOutcome {
  readonly kind: 'up-to-date' | 'fast-forward' | 'merge' | 'created'
  readonly head: CommitInfo
  readonly fetched: FetchResult
}

export async function pull<T>(repo: Repo<T>, remoteOrUrl: string, branch: string, options: PullOptions = {}): Promise<PullOutcome> {
  const remoteBranch = options.remoteBranch ?? branch
  const fetched = await fetchRemote(repo, remoteOrUrl, { ...options, branches: [remoteBranch] })
  const theirs = await repo.backend.getRef(trackingRef(fetched.remote, remoteBranch))
  if (theirs === undefined) throw new NotFoundError(`branch ${remoteBranch} on ${fetched.remote}`)
  const store = repo.branch(branch)
  if ((options.strategy ?? 'fast-forward') === 'fast-forward') return { ...(await fastForward(repo, branch, theirs)), fetched }
  const ours = await store.headId()
  if (ours === undefined) {
    await repo.createBranch(branch, theirs)
    return { kind: 'created', head: await repo.readCommit(theirs), fetched }
  }
  const message = options.message ?? `merge ${fetched.remote}/${remoteBranch} into ${branch}`
  const outcome = await store.mergeWithCommit(theirs, { message })
  return { kind: outcome.kind, head: outcome.head, fetched }
}

/**
 * Moves `branch` to `theirs` when it is behind it (or creates it there), by compare-and-swap: a
 * local write landing meanwhile is seen on the next look, never merged into. `theirs` is kept
 * from garbage collection by the tracking ref that names it.
 */
async function fastForward<T>(repo: Repo<T>, branch: string, theirs: string): Promise<Omit<PullOutcome, 'fetched'>> {
  const ref = branchRef(branch)
  for (;;) {
    const ours = await repo.backend.getRef(ref)
    if (ours === theirs) return { kind: 'up-to-date', head: await repo.readCommit(ours) }
    if (ours !== undefined) {
      const ancestors = await repo.lowestCommonAncestors(ours, theirs)
      if (ancestors.some(c => c.id === theirs)) return { kind: 'up-to-date', head: await repo.readCommit(ours) }
      if (!ancestors.some(c => c.id === ours)) throw new NonFastForwardError(ref, ours, theirs, 'pull with strategy "merge"')
    }
    if (await repo.backend.casRef(ref, ours, theirs)) {
      repo.refMoved(ref, theirs)
      return { kind: ours === undefined ? 'created' : 'fast-forward', head: await repo.readCommit(theirs) }
    }
  }
}
