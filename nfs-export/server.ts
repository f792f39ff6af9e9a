/**
 * `startNfsServer`: NFSv3 and MOUNT v3 over TCP, exporting one branch (or, read-only, one
 * commit) of a repo. With `port === mountPort` both programs share one listener.
 */
import type { Repo } from '../core/repo.js'
import { DEFAULT_MAX_OBJECT_SIZE } from '../backends/contract.js'
import { branchRef } from '../core/ref-name.js'
import { MAX_IO, NFS_PROGRAM, NFS_V3 } from './nfs3-constants.js'
import { NfsExport } from './nfs3-export.js'
import { readProcedures } from './nfs3-read.js'
import { writeProcedures } from './nfs3-write.js'
import { mountProgram } from './mount.js'
import { type RpcProgram, type RunningRpcServer, startRpcServer } from './rpc-server.js'
import { WorkingTree } from './working-tree.js'
import { CreateJournal } from './create-journal.js'
import { join } from 'node:path'

export interface NfsServerOptions {
  repo: Repo<Uint8Array>
  /** The branch to export (default `main`). */
  branch?: string
  /** Export this commit, read-only, instead of a branch. */
  commit?: string
  readOnly?: boolean
  /** The path clients mount (default `/export`). */
  exportPath?: string
  host?: string
  /** NFS port (default 20490; 0 picks a free one). */
  port?: number
  /** MOUNT port (default 20048; 0 picks a free one). */
  mountPort?: number
  /** Commit this long after the last change (default 1000 ms). */
  idleMs?: number
  author?: string
  /**
   * The largest file clients may write (FBIG past it): the backend's object limit less a blob's
   * header. Default: what a backend opened with the default limit (64 MiB) stores.
   */
  maxFileSize?: number
  onError?: (error: unknown) => void
  /**
   * The file where CREATEs are made durable until the next commit (see create-journal.ts).
   * Default: `nfs-journal-BRANCH` in the backend's directory when it has one (LevelDB, git);
   * false: none, each CREATE commits.
   */
  journal?: string | false
}

export interface NfsServer {
  port: number
  mountPort: number
  exportPath: string
  /** Commits what clients changed. */
  flush(): Promise<void>
  /** Commits what is pending, then stops listening. */
  close(): Promise<void>
}

/** The branch holding the handle overrides of an exported branch. */
export const handlesBranch = (branch: string) => `nfs-handles/${branch}`

/** The journal's default place: in the backend's own directory, when it has one. */
function defaultJournal(repo: Repo<Uint8Array>, branch: string): string | undefined {
  const backend = repo.backend as { location?: unknown; gitDir?: unknown }
  const dir = typeof backend.location === 'string' ? backend.location : typeof backend.gitDir === 'string' ? backend.gitDir : undefined
  return dir === undefined ? undefined : join(dir, `nfs-journal-${encodeURIComponent(branch)}`)
}

/** Every request and reply fits in this: a 1 MiB WRITE or READ plus headers. */
const MAX_RECORD = MAX_IO + 64 * 1024

export async function startNfsServer(options: NfsServerOptions): Promise<NfsServer> {
  const { repo } = options
  const branch = options.branch ?? 'main'
  const exportPath = options.exportPath ?? '/export'
  const host = options.host ?? '127.0.0.1'
  const onError = options.onError ?? (() => {})
  const fixed = options.commit !== undefined
  const store = fixed ? repo.commit(options.commit!) : repo.branch(branch)
  const readOnly = fixed || options.readOnly === true
  let x: NfsExport | undefined
  const journalPath = readOnly || options.journal === false ? undefined : (options.journal ?? defaultJournal(repo, branch))
  const journal = journalPath === undefined ? undefined : await CreateJournal.open(journalPath)
  const wt = await WorkingTree.open({
    journal,
    store,
    treeOf: id => repo.treeOf(id),
    objects: repo.objects,
    readOnly,
    author: options.author ?? 'irmin nfs <nfs@localhost>',
    idleMs: options.idleMs ?? 1000,
    maxFileSize: options.maxFileSize ?? DEFAULT_MAX_OBJECT_SIZE - 32,
    onError,
    onCommit: (id, changed) => x?.committed(id, changed),
  })
  const stateStore = readOnly ? undefined : repo.branch(handlesBranch(branch))
  const exportName = fixed ? `commit:${options.commit}` : `branch:${branch}`
  x = await NfsExport.open(wt, repo, store, stateStore, exportName)
  // A read-only export of a branch still reads the saved handle overrides.
  if (readOnly && !fixed) {
    const saved = await repo.branch(handlesBranch(branch)).find(['handles.json'])
    if (saved) x.handles.load(new TextDecoder().decode(saved))
  }
  const ref = branchRef(branch)
  const stopWatching = fixed ? undefined : repo.backend.watchRefs?.(name => name === ref && x.refMoved())
  const nfs: RpcProgram = { prog: NFS_PROGRAM, vers: NFS_V3, procs: new Map([...readProcedures(x), ...writeProcedures(x)]) }
  const mount = mountProgram(exportPath, steps => x.directoryHandle(steps))
  const rpcOptions = { maxRecord: MAX_RECORD, onError }
  const servers: RunningRpcServer[] = []
  try {
    const port = options.port ?? 20490
    const mountPort = options.mountPort ?? 20048
    if (port === mountPort && port !== 0) {
      servers.push(await startRpcServer([nfs, mount], host, port, rpcOptions))
    } else {
      servers.push(await startRpcServer([nfs], host, port, rpcOptions))
      servers.push(await startRpcServer([mount], host, mountPort, rpcOptions))
    }
  } catch (error) {
    stopWatching?.()
    await Promise.all(servers.map(s => s.close()))
    throw error
  }
  return {
    port: servers[0].port,
    mountPort: servers[servers.length - 1].port,
    exportPath,
    flush: () => wt.flush(),
    async close() {
      stopWatching?.()
      await Promise.all(servers.map(s => s.close()))
      await wt.close()
    },
  }
}
