/**
 * The second half of a push (sync/PROTOCOL.md): once the objects are in, check the new commit's
 * closure and move the ref by the push's mode — fast-forward, merge (three-way, with the server
 * repo's contents rules) or force (with lease) — by one compare-and-swap against the value the
 * check saw, so a ref that moved meanwhile is `ESTALE`, never overwritten.
 *
 * Everything runs under the push's `WriteHold`: the pushed commit and the head are pinned (after a
 * fence) before the closure walk, so what the walk finds present is kept by garbage collection
 * until the move is decided.
 */
import type { Commit } from '../../core/commit.js'
import { MergeConflictError, MissingObjectError, WrongObjectTypeError } from '../../core/errors.js'
import { BRANCH_PREFIX, formatPath } from '../../core/index.js'
import { commonAncestorsOf } from '../../core/lca.js'
import { mergeCommits } from '../../core/merge/commit-merge.js'
import { readShallow } from '../../core/shallow.js'
import { BranchWriter } from '../../core/write.js'
import type { RepoContext } from '../../core/repo-context.js'
import type { WriteHold } from '../../core/write-hold.js'
import { BadRequestError, IncompleteClosureError, NonFastForwardError, PushConflictError, StaleRefError } from '../errors.js'
import type { PushHeader, PushResult } from '../push-header.js'
import type { SyncServerContext } from './context.js'
import { missingFromClosure } from './push-check.js'

export interface MoveOptions {
  /** `header.old` is an exact lease, null included (the ref must be absent): git's receive-pack commands. */
  readonly exactOld?: boolean
}

export async function movePushedRef(ctx: SyncServerContext, hold: WriteHold<Uint8Array>, header: PushHeader, options: MoveOptions = {}): Promise<PushResult> {
  const { ref } = header
  if (header.new === null) return deleteBranch(ctx, header, options)
  const { pushed, head } = await checkPushed(ctx, hold, ref, header.new)
  const old = head?.id ?? null
  if (header.mode === 'force') {
    if ((header.old !== null || options.exactOld) && header.old !== old) throw new StaleRefError(ref, header.old, old)
    return swap(ctx, header, old, pushed.id)
  }
  if (header.mode === 'fast-forward') {
    if (head === undefined || head.id === pushed.id) return swap(ctx, header, old, pushed.id)
    const ancestors = await commonAncestorsOf(ctx.repo.objects, pushed, [head])
    if (!ancestors.some(c => c.id === head.id)) throw new NonFastForwardError(ref, head.id, pushed.id)
    return swap(ctx, header, old, pushed.id)
  }
  // A merge push asks for whatever head the branch has: when another writer moves it between the
  // look and the swap, the server merges again with the new head rather than answer ESTALE and
  // have the client list, ask and send again.
  for (let attempt = 1; ; attempt++) {
    try {
      const now = attempt === 1 ? head : await hold.head(ref)
      if (now === undefined || now.id === pushed.id) return await swap(ctx, header, now?.id ?? null, pushed.id)
      return await merge(ctx, hold, header, now, pushed)
    } catch (error) {
      if (!(error instanceof StaleRefError) || attempt >= MERGE_ATTEMPTS) throw error
    }
  }
}

/** Merges against a branch that keeps moving before the client is told ESTALE. */
const MERGE_ATTEMPTS = 5

/**
 * The pushed commit `next`, pinned, once its closure is known complete in the store, and the
 * ref's head (pinned too): `IncompleteClosureError` names what is missing.
 */
export async function checkPushed(ctx: SyncServerContext, hold: WriteHold<Uint8Array>, ref: string, next: string): Promise<{ pushed: Commit; head: Commit | undefined }> {
  const { repo } = ctx
  const pushed = await hold.commit(next).catch(error => {
    if (error instanceof MissingObjectError) throw new IncompleteClosureError(ref, [next])
    if (error instanceof WrongObjectTypeError) throw new BadRequestError(`${next} is not a commit: a branch names a commit`)
    throw error
  })
  const head = await hold.head(ref)
  const refs = await repo.backend.listRefs('refs/')
  const missing = await missingFromClosure(repo.objects, pushed.id, {
    complete: new Set(refs.map(([, id]) => id)),
    shallow: new Set(await readShallow(repo.objects)),
  })
  if (missing.length > 0) throw new IncompleteClosureError(ref, missing)
  return { pushed, head }
}

/** The merge push: a fast-forward when it is one, the head when it already holds `pushed`, else a merge commit. */
async function merge(ctx: SyncServerContext, hold: WriteHold<Uint8Array>, header: PushHeader, head: Commit, pushed: Commit): Promise<PushResult> {
  const { ref } = header
  const { repo } = ctx
  let outcome
  try {
    outcome = await mergeCommits(hold.mergeContext(), head, pushed)
  } catch (error) {
    if (error instanceof MergeConflictError) throw new PushConflictError(ref, error.conflicts.map(c => formatPath(c.path) || '/'))
    throw error
  }
  if (outcome.kind === 'up-to-date') return { ref, old: head.id, new: head.id, merged: false }
  if (outcome.kind === 'fast-forward') return swap(ctx, header, head.id, pushed.id)
  // Both sides are pinned, and a merge that refuses conflicts names only what they reach (trustMerge).
  hold.trustMerge(outcome.tree)
  const branch = ref.slice(BRANCH_PREFIX.length)
  const writer = new BranchWriter(announcing(ctx), branch, ref)
  const label = `merge ${pushed.id.slice(0, 12)} (pushed) into ${branch}`
  const commit = await writer.commitAndMove(hold, head.id, outcome.tree, [head.id, pushed.id], {}, label)
  if (commit === undefined) throw new StaleRefError(ref, head.id, (await repo.backend.getRef(ref)) ?? null)
  return { ref, old: head.id, new: commit.id, merged: true }
}

async function swap(ctx: SyncServerContext, header: PushHeader, old: string | null, next: string | null): Promise<PushResult> {
  const { ref } = header
  const { repo } = ctx
  if (old !== next) {
    if (!(await repo.backend.casRef(ref, old ?? undefined, next ?? undefined))) {
      throw new StaleRefError(ref, old, (await repo.backend.getRef(ref)) ?? null)
    }
    ctx.refMoved(ref, next ?? undefined)
  }
  return { ref, old, new: next, merged: false }
}

/** `new: null` with mode force: the branch goes, if it is still `old` when `old` is given. */
async function deleteBranch(ctx: SyncServerContext, header: PushHeader, options: MoveOptions): Promise<PushResult> {
  const current = (await ctx.repo.backend.getRef(header.ref)) ?? null
  if ((header.old !== null || options.exactOld) && header.old !== current) throw new StaleRefError(header.ref, header.old, current)
  return swap(ctx, header, current, null)
}

/** The served repo, whose ref moves are announced through the sync context (to subscribers too). */
function announcing(ctx: SyncServerContext): RepoContext<Uint8Array> {
  const { repo } = ctx
  return {
    backend: repo.backend,
    objects: repo.objects,
    contents: repo.contents,
    commitDefaults: repo.commitDefaults,
    maxAttempts: repo.maxAttempts,
    watches: repo.watches,
    treeOf: id => repo.treeOf(id),
    emptyTree: () => repo.emptyTree(),
    refMoved: (ref, id) => ctx.refMoved(ref, id),
  }
}
