/**
 * What every sync route handler gets: the served repo, the tokens that guard it, the bounds it
 * keeps, and the ref-move feeds (for the events route). Handlers have the signature `Handler`
 * and are listed in routes.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type RefListener, RefListeners, type Repo } from '../../core/index.js'
import { DEFAULT_LIMITS, type SyncLimits } from './limits.js'
import { RefPoll, type RefsListener } from './ref-poll.js'

export interface SyncTokens {
  /** Guards writes (push); also accepted for reads. */
  readonly write?: string
  /** Guards reads too: every route needs it (or the write token). */
  readonly read?: string
}

export interface SyncServerContext {
  readonly repo: Repo<Uint8Array>
  readonly tokens: SyncTokens
  readonly limits: SyncLimits
  /** Subscribes to moves of the served store's refs, by any writer; returns the unsubscribe. */
  onRefMoved(listener: RefListener): () => void
  /** Subscribes to the refs as read again every half second (ref-poll.ts); returns the unsubscribe. */
  onRefsRead(listener: RefsListener): () => void
  /** Routes that move refs (push) call this after the move, for watchers and subscribers. */
  refMoved(ref: string, id: string | undefined): void
}

export type Handler = (ctx: SyncServerContext, request: IncomingMessage, response: ServerResponse) => Promise<void>

export function createSyncContext(repo: Repo<Uint8Array>, tokens: SyncTokens = {}, limits: Partial<SyncLimits> = {}): SyncServerContext {
  const backend = repo.backend
  // A backend that reports every ref move itself (memory, LevelDB, git, IndexedDB) feeds
  // subscribers directly; otherwise only the moves this server makes are heard.
  const own = new RefListeners()
  const poll = new RefPoll(backend)
  return {
    repo,
    tokens,
    limits: { ...DEFAULT_LIMITS, ...limits },
    onRefMoved: listener => (backend.watchRefs ? backend.watchRefs(listener) : own.add(listener)),
    onRefsRead: listener => poll.add(listener),
    refMoved(ref, id) {
      repo.refMoved(ref, id)
      if (!backend.watchRefs) own.emit(ref, id)
    },
  }
}
