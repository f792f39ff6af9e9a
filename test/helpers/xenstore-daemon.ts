/**
 * irminsule's Xenstore daemon in the test process, as `irmin xenstored` runs it: on a LevelDB
 * store behind the write-behind layer, its sockets in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Contents, openLevelBackend, Repo } from '../../index.js'
import { WriteBehindBackend } from '../../xenstore/write-behind.js'
import { XenstoreServer, type ServerOptions } from '../../xenstore/server.js'

export interface RunningDaemon {
  readonly dir: string
  readonly socket: string
  readonly server: XenstoreServer
  readonly repo: Repo<Uint8Array>
  readonly backend: WriteBehindBackend
  /** The socket domain `domid` connects to (after INTRODUCE). */
  socketOf(domid: number): string
  stop(): Promise<void>
}

export async function startDaemon(options: Partial<ServerOptions> & { dir?: string } = {}): Promise<RunningDaemon> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'irmin-xs-'))
  const backend = new WriteBehindBackend(await openLevelBackend(join(dir, 'store')))
  const repo = await Repo.open({ backend, contents: Contents.bytes })
  const socket = join(dir, 'socket')
  const server = await XenstoreServer.start({ domainSockets: join(dir, 'domains'), ...options, repo, socket })
  return {
    dir,
    socket,
    server,
    repo,
    backend,
    socketOf: domid => server.socketOf(domid),
    stop: async () => {
      await server.close()
      await repo.close()
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true })
    },
  }
}
