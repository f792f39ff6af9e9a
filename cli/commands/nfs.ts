import { registerWithRpcbind, startNfsServer } from '../../index.js'
import { integerOption } from '../args.js'
import { booleanOption, type Command, stringOption } from '../command.js'
import { PortInUseError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import { openStore } from '../store/open.js'
import { resolveCommit } from '../store/resolve.js'

export const nfs: Command = {
  name: 'nfs',
  usage: '[--port 20490] [--mount-port 20048] [--export /export] [--read-only] [--commit ID] [--portmap]',
  summary: 'export a branch over NFSv3: every change clients make becomes a commit',
  description: [
    'Serves the branch (--branch, default main) as an NFSv3 file system over TCP until interrupted,',
    'with MOUNT v3 on its own port; no portmapper is needed. Clients that need one (the Linux',
    'kernel, qemu) find the ports with --portmap, which registers them with a running rpcbind.',
    '  nfs-ls -R "nfs://127.0.0.1/export?nfsport=20490&mountport=20048&version=3"',
    'Writes land in a working tree and become a commit on COMMIT (clients send it on close and',
    'fsync), on FILE_SYNC writes, and one second after the last change; name changes (create,',
    'remove, rename, mkdir, symlink, setattr) ride with that commit. `irmin log` shows them.',
    'Other writers on the branch are merged in, not lost. Files up to 64 MiB (FBIG past it).',
    'Files are 100644, 100755 (any execute bit) or symlinks; owners are not kept; MKNOD and LINK',
    'answer NOTSUPP. Git keeps no empty directories: an empty one lives until the server stops.',
    'File handles survive restarts and renames (renames are noted on the branch nfs-handles/BRANCH).',
    '--commit ID exports that commit read-only: a time machine.',
  ].join('\n'),
  options: {
    port: { type: 'string', value: 'PORT', help: 'the NFS port (default 20490; 0 picks a free one)' },
    'mount-port': { type: 'string', value: 'PORT', help: 'the MOUNT port (default 20048; may equal --port)' },
    host: { type: 'string', value: 'HOST', help: 'the address to listen on (default 127.0.0.1)' },
    export: { type: 'string', value: 'PATH', help: 'the path clients mount (default /export)' },
    'read-only': { type: 'boolean', help: 'refuse every change (ROFS)' },
    commit: { type: 'string', value: 'ID', help: 'export this commit (a branch, id or prefix), read-only' },
    portmap: { type: 'boolean', help: 'register with the running rpcbind (its local socket, or 127.0.0.1:111)' },
  },
  args: [0, 0],
  async run(ctx) {
    const { globals, out } = ctx
    const port = integerOption('port', stringOption(ctx, 'port') ?? '20490', 0, 65535)
    const mountPort = integerOption('mount-port', stringOption(ctx, 'mount-port') ?? '20048', 0, 65535)
    const host = stringOption(ctx, 'host') ?? '127.0.0.1'
    const store = await openStore(globals)
    const interrupt = onInterrupt()
    try {
      const commitName = stringOption(ctx, 'commit')
      const commit = commitName === undefined ? undefined : await resolveCommit(store.repo, commitName, globals.branch)
      const server = await startNfsServer({
        repo: store.repo,
        branch: globals.branch,
        commit,
        readOnly: booleanOption(ctx, 'read-only'),
        exportPath: stringOption(ctx, 'export') ?? '/export',
        host,
        port,
        mountPort,
        onError: error => out.error(error, globals.debug),
      }).catch(error => {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(host, (error as { port?: number }).port ?? port)
        throw error
      })
      const unregister = booleanOption(ctx, 'portmap') ? await registerWithRpcbind(server.port, server.mountPort).catch(async error => {
        await server.close()
        throw error
      }) : undefined
      try {
        const what = commit === undefined ? `branch ${globals.branch}${booleanOption(ctx, 'read-only') ? ' (read-only)' : ''}` : `commit ${commit} (read-only)`
        const url = `nfs://${host}${server.exportPath}?nfsport=${server.port}&mountport=${server.mountPort}&version=3`
        out.result({ url, port: server.port, mountPort: server.mountPort, export: server.exportPath, pid: process.pid }, r => `irmin nfs: ${what} at ${r.url}`)
        out.note('Ctrl-C stops the server (committing what clients wrote)')
        await interrupt.signalled
      } finally {
        await unregister?.()
        await server.close()
      }
    } finally {
      interrupt.dispose()
      await store.close()
    }
  },
}
