/**
 * Opening the store at `--root` for one command. Commands read and write bytes: the `--contents`
 * codec is applied at the edges (parsing arguments, printing values), so every command sees any
 * stored value, whatever the codec. Commands that merge (`merge`, `revert`) open it with a bytes
 * codec that merges by the `--contents` codec's rule (see merge-rule.ts).
 *
 * A LevelDB store has one owner process at a time. A short-lived command finding it locked
 * retries for a while (another short command will soon let go), unless `irmin serve` holds it,
 * which will not let go: then it fails at once, naming the server.
 */
import { openGitBackend } from '../../backends/git/index.js'
import { type Backend, Contents, type Contents as Codec, type LevelBackendOptions, openLevelBackend, Repo, StoreLockedError } from '../../index.js'
import type { GlobalOptions } from '../command.js'
import { BackendMismatchError, NoStoreError, StoreInUseError, UsageError } from '../errors.js'
import { isLazyBackend, lazyBackend, listRemotes } from '../../sync/index.js'
import { locateStore, type StoredBackend } from './locate.js'
import { readPostgresRoot } from './postgres-root.js'
import { ReadOnlyBackend } from './read-only.js'
import { runningServer } from './server-note.js'
import { openThroughServer } from './through-server.js'

export interface OpenStore {
  readonly repo: Repo<Uint8Array>
  readonly backend: StoredBackend
  readonly root: string
  close(): Promise<void>
}

/** How long a command waits for a locked LevelDB store (`$IRMIN_LOCK_WAIT_MS`, default 3 s). */
export function lockWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.IRMIN_LOCK_WAIT_MS)
  return env.IRMIN_LOCK_WAIT_MS !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : 3000
}

export const MEMORY_DOES_NOT_PERSIST = 'the memory backend does not persist: it only lives within one process (use it with irmin serve)'

/** Which backend the store at `--root` uses; throws when there is no store or `--backend` disagrees. */
export function storeBackend(globals: GlobalOptions): StoredBackend {
  if (globals.backend === 'memory') throw new UsageError(MEMORY_DOES_NOT_PERSIST)
  const found = locateStore(globals.root)
  if (found === 'none') throw new NoStoreError(globals.root)
  if (globals.backend !== undefined && globals.backend !== found) throw new BackendMismatchError(globals.root, found, globals.backend)
  return found
}

/**
 * Opens the existing store at `--root`; `contents` decides how values merge (default: as bytes).
 * `readOnly`: writes are refused (by the backend itself on PostgreSQL, naming the primary on a replica).
 */
export async function openStore(globals: GlobalOptions, contents: Codec<Uint8Array> = Contents.bytes, wrap: Wrap = same, options: { readOnly?: boolean } = {}): Promise<OpenStore> {
  const backend = storeBackend(globals)
  let opened = await openBackend(globals.root, backend, false, lockWaitMs(), options.readOnly)
  if (options.readOnly && backend !== 'postgres') opened = new ReadOnlyBackend(opened, globals.root)
  return openAs(globals.root, backend, wrap(opened, backend), contents)
}

/** A layer over the opened backend (the xenstore daemon's write-behind on LevelDB). */
export type Wrap = (opened: Backend, kind: StoredBackend) => Backend
const same: Wrap = opened => opened

/**
 * Opens the store at `root` as `backend`, creating it when it is not there; `lazy`: on a lazy
 * backend from the start (a lazy clone, before its remote is remembered); `wrap`: a layer over it;
 * `level`: LevelDB's options (a clone's larger memtable); `contents`: how values merge (default: as bytes).
 */
export async function createStore(root: string, backend: StoredBackend, options: { lazy?: boolean; wrap?: Wrap; level?: LevelBackendOptions; contents?: Codec<Uint8Array> } = {}): Promise<OpenStore> {
  const opened = (options.wrap ?? same)(await openBackend(root, backend, true, lockWaitMs(), undefined, options.level), backend)
  return openAs(root, backend, options.lazy ? lazyBackend(opened, { token: promisorToken() }) : opened, options.contents)
}

/** One attempt: the LevelDB store, or undefined while another process holds it. */
export async function tryOpenStore(globals: GlobalOptions): Promise<OpenStore | undefined> {
  const backend = storeBackend(globals)
  try {
    return openAs(globals.root, backend, await openBackend(globals.root, backend, false, 0))
  } catch (error) {
    if (error instanceof StoreInUseError && error.server === undefined) return undefined
    throw error
  }
}

/** A lazy store's reads go to a server that may want a read token: `$IRMIN_TOKEN`, as the sync commands take it. */
function promisorToken(): string | undefined {
  return process.env.IRMIN_TOKEN || undefined
}

async function openAs(root: string, backend: StoredBackend, opened: Backend, contents: Codec<Uint8Array> = Contents.bytes): Promise<OpenStore> {
  // A lazy clone's store fetches what it lacks from its promisor remote on first touch.
  const lazy = !isLazyBackend(opened) && (await listRemotes({ backend: opened })).some(remote => remote.lazy)
  const repo = await Repo.open({ backend: lazy ? lazyBackend(opened, { token: promisorToken() }) : opened, contents })
  return { repo, backend, root, close: () => repo.close() }
}

async function openBackend(root: string, backend: StoredBackend, create: boolean, waitMs = lockWaitMs(), readOnly?: boolean, level?: LevelBackendOptions): Promise<Backend> {
  if (backend === 'postgres') {
    const { url, schema } = readPostgresRoot(root)
    // Loaded only for a PostgreSQL store: the client library is not part of every command's start-up.
    const { openPostgresBackend } = await import('../../backends/postgres/index.js')
    return openPostgresBackend(url, { schema, readOnly })
  }
  return backend === 'git' ? openGitBackend(root, { create }) : openLevelWaiting(root, waitMs, level)
}

async function openLevelWaiting(root: string, waitMs: number, options?: LevelBackendOptions): Promise<Backend> {
  const deadline = Date.now() + waitMs
  for (;;) {
    try {
      return await openLevelBackend(root, options)
    } catch (error) {
      if (!(error instanceof StoreLockedError)) throw error
      const server = runningServer(root)
      if (server || Date.now() >= deadline) throw new StoreInUseError(root, server)
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  }
}

/**
 * Opens the store at `--root` (see `openStore`), runs `fn` on it, and closes it however `fn`
 * ends. With `throughServer`, a LevelDB store that `irmin serve` holds is worked on through that
 * server instead (see through-server.ts): what `fn` wrote is pushed there when it returns.
 */
export async function withStore<R>(globals: GlobalOptions, fn: (store: OpenStore) => Promise<R>, contents?: Codec<Uint8Array>, options: { throughServer?: boolean } = {}): Promise<R> {
  let store: OpenStore
  try {
    store = await openStore(globals, contents)
  } catch (error) {
    if (!(options.throughServer && error instanceof StoreInUseError && error.server)) throw error
    const served = await openThroughServer(error.server, contents ?? Contents.bytes)
    let result: R
    try {
      result = await fn({ repo: served.repo, backend: 'level', root: globals.root, close: async () => {} })
    } catch (failure) {
      await served.repo.close()
      throw failure
    }
    await served.finish()
    return result
  }
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

/** `withStore` for the commands that also work through a running `irmin serve` (reads, set, remove). */
export function withStoreOrServer<R>(globals: GlobalOptions, fn: (store: OpenStore) => Promise<R>): Promise<R> {
  return withStore(globals, fn, undefined, { throughServer: true })
}
