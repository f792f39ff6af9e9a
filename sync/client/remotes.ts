/**
 * Named remotes, remembered in the store: a JSON blob named by the ref `refs/irmin/remotes`
 * (as core/shallow.ts keeps the shallow list), so every backend keeps them and garbage collection
 * keeps the blob. Remote-tracking refs are `refs/remotes/<remote>/<branch>`: garbage collection
 * marks from them like any ref, fsck accepts them (only `refs/heads/` must name commits).
 */
import { type Backend, frameObject, InvalidArgumentError, NotFoundError, type Repo, unframeObject, validateBranchName } from '../../core/index.js'

export const REMOTES_REF = 'refs/irmin/remotes'
export const DEFAULT_REMOTE = 'origin'

export interface Remote {
  readonly name: string
  readonly url: string
  /** The filter the store was cloned with (`blob:none`, `tree:0`, `path:a/b`); fetches keep it. */
  readonly filter?: string
  /** A promisor remote: a lazy store fetches from it what it lacks. */
  readonly lazy?: boolean
  /** `git`: a git server spoken to over git's smart HTTP (sync/client/git-remotes.ts); absent: irmin serve. */
  readonly kind?: 'git'
}

type AnyRepo = Pick<Repo<unknown>, 'backend' | 'objects'>

export function trackingRef(remote: string, branch: string): string {
  return `refs/remotes/${remote}/${branch}`
}

export function validateRemoteName(name: unknown): asserts name is string {
  // A remote name is one ref component: a valid branch name without '/'.
  if (typeof name !== 'string' || name.includes('/')) throw new InvalidArgumentError(`invalid remote name ${JSON.stringify(name)}: one name without "/"`)
  try {
    validateBranchName(name)
  } catch (error) {
    throw new InvalidArgumentError(`invalid remote name ${JSON.stringify(name)}: ${(error as Error).message}`)
  }
}

export async function listRemotes(repo: Pick<AnyRepo, 'backend'>): Promise<Remote[]> {
  return Object.values(await readAll(repo.backend)).sort((a, b) => (a.name < b.name ? -1 : 1))
}

export async function getRemote(repo: Pick<AnyRepo, 'backend'>, name: string): Promise<Remote | undefined> {
  const all = await readAll(repo.backend)
  return Object.hasOwn(all, name) ? all[name] : undefined
}

/** Adds (or, with `replace`, replaces) a remote. */
export async function addRemote(repo: AnyRepo, remote: Remote, options: { replace?: boolean } = {}): Promise<void> {
  validateRemoteName(remote.name)
  try {
    new URL(remote.url)
  } catch {
    throw new InvalidArgumentError(`invalid remote URL ${JSON.stringify(remote.url)}`)
  }
  await update(repo, all => {
    if (Object.hasOwn(all, remote.name) && !options.replace) throw new InvalidArgumentError(`remote ${remote.name} exists already`)
    return { ...all, [remote.name]: { ...remote } }
  })
}

/** Forgets a remote and its remote-tracking refs. */
export async function removeRemote(repo: AnyRepo, name: string): Promise<void> {
  await update(repo, all => {
    if (!Object.hasOwn(all, name)) throw new NotFoundError(`remote ${name}`)
    const { [name]: _gone, ...rest } = all
    return rest
  })
  for (const [ref, id] of await repo.backend.listRefs(`refs/remotes/${name}/`)) await repo.backend.casRef(ref, id, undefined)
}

const decoder = new TextDecoder()
const encoder = new TextEncoder()

async function readAll(backend: Backend, at?: string): Promise<Record<string, Remote>> {
  const id = at ?? (await backend.getRef(REMOTES_REF))
  if (id === undefined) return {}
  const [framed] = await backend.getObjects([id])
  if (framed === undefined) throw new NotFoundError(`the remotes record ${id}`)
  return JSON.parse(decoder.decode(unframeObject(id, framed).body)) as Record<string, Remote>
}

/** A compare-and-swap loop on the record, as other writers may change it meanwhile. */
async function update(repo: AnyRepo, change: (all: Record<string, Remote>) => Record<string, Remote>): Promise<void> {
  for (;;) {
    const current = await repo.backend.getRef(REMOTES_REF)
    const next = change(current === undefined ? {} : await readAll(repo.backend, current))
    const framed = frameObject('blob', encoder.encode(JSON.stringify(next)))
    const id = repo.objects.hash(framed)
    await repo.objects.write([[id, framed]])
    if (current === id || (await repo.backend.casRef(REMOTES_REF, current, id))) return
  }
}
