/**
 * The sync protocol's public entry (browser-safe: no Node modules; the server is exported from
 * the Node entry only, via sync/server/index.ts).
 *
 * Client API, decided here for every sync operation: each is a function taking the repo first
 * (`clone(repo, url, options)`, `fetchRemote(repo, url, branch)`, `pull`, `push`), and
 * sync/repo-methods.ts adds the same operations as `Repo` methods by module augmentation
 * (`repo.clone(url, options)`, …): core/ cannot import sync/, so the methods are attached when
 * the package entry (index.ts, index.browser.ts) imports repo-methods.ts.
 */
export * from './errors.js'
export { decodeFrames, encodeFrame, FrameKind, OBJECT_STREAM_TYPE, type Frame, MAX_FRAME } from './frames.js'
export { type Filter, parseFilter, formatFilter } from './filter.js'
export { SyncTransport, type TransportOptions, type RefsReply, type FetchBody } from './client/transport.js'
export { fetchRemote, resolveRemote, type FetchOptions, type FetchResult, type FetchProgress } from './client/fetch.js'
export { clone, type CloneOptions } from './client/clone.js'
export { push, type PushOptions, type PushOutcome, type PushProgress } from './client/push.js'
export { pull, type PullOptions, type PullOutcome } from './client/pull.js'
export { type PushHeader, type PushMode, type PushResult, parsePushHeader } from './push-header.js'
export { lazyBackend, isLazyBackend, LazyBackend, type LazyOptions } from './client/lazy-backend.js'
export { addRemote, removeRemote, listRemotes, getRemote, trackingRef, type Remote, DEFAULT_REMOTE, REMOTES_REF } from './client/remotes.js'
export { detectRemoteKind, registerGitRemoteClient, type GitRemoteClient, type RemoteKind } from './client/git-remotes.js'
import './repo-methods.js'
export { subscribe, parseEvents, type RefMove, type SubscribeOptions, type Subscription } from './client/subscribe.js'
