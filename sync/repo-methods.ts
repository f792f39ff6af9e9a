/**
 * The sync operations as `Repo` methods (`repo.clone(url, options)`, `repo.fetch(url, branch)`),
 * added by module augmentation: core/ cannot import sync/, so they are attached to the class
 * here, and the package entries import this file (through sync/index.ts). Each method is the
 * function of the same operation with the repo first (see sync/index.ts).
 */
import { Repo } from '../core/repo.js'
import { type CloneOptions, clone } from './client/clone.js'
import { type FetchOptions, type FetchResult, fetchRemote } from './client/fetch.js'
import { type PullOptions, type PullOutcome, pull } from './client/pull.js'
import { type PushOptions, type PushOutcome, push } from './client/push.js'

declare module '../core/repo.js' {
  interface Repo<T> {
    /** Clones the store at `url` into this (empty) repo: see sync/client/clone.ts. */
    clone(url: string, options?: CloneOptions): Promise<FetchResult>
    /**
     * Fetches `branch` (default: every branch) from `remote` (a remembered remote's name or a
     * URL) into the remote-tracking refs `refs/remotes/<remote>/<branch>`.
     */
    fetch(remote: string, branch?: string, options?: FetchOptions): Promise<FetchResult>
    /** Fetches `branch` from `remote` and fast-forwards (or, with `strategy: 'merge'`, merges) the local branch: see sync/client/pull.ts. */
    pull(remote: string, branch: string, options?: PullOptions): Promise<PullOutcome>
    /** Pushes the local `branch` to `remote` (`mode`: fast-forward, merge, force): see sync/client/push.ts. */
    push(remote: string, branch: string, options?: PushOptions): Promise<PushOutcome>
  }
}

Repo.prototype.clone = function (this: Repo<unknown>, url: string, options?: CloneOptions) {
  return clone(this, url, options)
}

Repo.prototype.fetch = function (this: Repo<unknown>, remote: string, branch?: string, options: FetchOptions = {}) {
  return fetchRemote(this, remote, branch === undefined ? options : { ...options, branches: [branch] })
}

Repo.prototype.pull = function (this: Repo<unknown>, remote: string, branch: string, options?: PullOptions) {
  return pull(this, remote, branch, options)
}

Repo.prototype.push = function (this: Repo<unknown>, remote: string, branch: string, options?: PushOptions) {
  return push(this, remote, branch, options)
}
