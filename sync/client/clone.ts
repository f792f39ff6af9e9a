/**
 * Clone: remember the remote (`origin` unless named), fetch every branch (with `depth`, and the
 * filter `path:` or, lazy, `blob:none`), and create a local branch at each remote branch.
 *
 * A lazy clone needs a repo opened on a lazy backend (`lazyBackend(local)`): the remote is
 * remembered as its promisor, and a read of an object the clone left out fetches it then.
 * A path clone that is not lazy holds only its subtree: reading elsewhere is a missing object.
 */
import { formatPath, InvalidArgumentError, type Path, parsePath, type Repo } from '../../core/index.js'
import { BRANCH_PREFIX } from '../../core/index.js'
import { type FetchOptions, type FetchResult, fetchRemote, moveRef } from './fetch.js'
import { isLazyBackend } from './lazy-backend.js'
import { addRemote, DEFAULT_REMOTE } from './remotes.js'
import { detectRemoteKind } from './git-remotes.js'

export interface CloneOptions extends Omit<FetchOptions, 'filter' | 'branches'> {
  /** Fetch history and trees now, blobs on first touch (`blob:none`; with `path`, the rest of the tree too). */
  readonly lazy?: boolean
  /** Only the subtree under this path (`a/b` or `['a','b']`). */
  readonly path?: string | Path
  /** The remote's name (default `origin`). */
  readonly remote?: string
}

type AnyRepo = Pick<Repo<unknown>, 'backend' | 'objects' | 'refMoved'>

export async function clone(repo: AnyRepo, url: string, options: CloneOptions = {}): Promise<FetchResult> {
  if (options.lazy && !isLazyBackend(repo.backend)) {
    throw new InvalidArgumentError('a lazy clone needs a repo opened on a lazy backend: Repo.open({ backend: lazyBackend(local), ... })')
  }
  if ((await repo.backend.listRefs(BRANCH_PREFIX)).length > 0) throw new InvalidArgumentError('clone needs a store without branches')
  const path = typeof options.path === 'string' ? parsePath(options.path) : options.path
  const filter = path !== undefined && path.length > 0 ? `path:${formatPath(path)}` : options.lazy ? 'blob:none' : undefined
  const name = options.remote ?? DEFAULT_REMOTE
  const kind = await detectRemoteKind(url, options.fetch)
  if (kind === 'git' && (options.lazy || path !== undefined)) throw new InvalidArgumentError('a clone of a git server is whole (--depth is supported; --lazy and --path need irmin serve)')
  await addRemote(repo, { name, url, ...(filter && { filter }), ...(options.lazy && { lazy: true }), ...(kind === 'git' && { kind }) }, { replace: true })
  const result = await fetchRemote(repo, name, { cacheArrived: false, ...options })
  for (const { branch, id } of result.branches) await moveRef(repo, BRANCH_PREFIX + branch, id)
  return result
}
