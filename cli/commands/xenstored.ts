import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { WriteBehindBackend } from '../../xenstore/write-behind.js'
import { XenstoreServer } from '../../xenstore/server.js'
import { booleanOption, type Command, stringOption } from '../command.js'
import { UsageError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import { locateStore } from '../store/locate.js'
import { createStore, openStore, type OpenStore, type Wrap } from '../store/open.js'
import { resolveCommit } from '../store/resolve.js'

/** LevelDB (one owner process) gets the write-behind layer; a git store is shared with git, so it is written through. */
const writeBehind: Wrap = (opened, kind) => (kind === 'level' ? new WriteBehindBackend(opened) : opened)

export const xenstored: Command = {
  name: 'xenstored',
  usage: '--socket PATH [--domain-sockets DIR] [--read-only --at COMMIT]',
  summary: 'run a Xenstore daemon whose database is the branch "xenstore" of the store',
  description: [
    "Speaks Xen's Xenstore protocol on the Unix socket PATH (connections act as dom0), so that",
    "Xen's tools work against it with XENSTORED_PATH=PATH. Every write is a commit on the branch",
    '`xenstore` naming the operation and the domain (`irmin log --branch xenstore`), every',
    'transaction one commit; beyond 250 commits a second, one commit every 4 ms groups the changes',
    'of those 4 ms, each named in its message. Creates a LevelDB store at --root when there is none.',
    '',
    'With --domain-sockets DIR, INTRODUCE of domain N opens DIR/N, whose connections act as domain N',
    'until RELEASE. --read-only --at COMMIT serves the Xenstore as it was at COMMIT (changes: EROFS).',
    'Durability: changes are acknowledged from memory before they reach the disk, and written in',
    'groups some 14 ms later at most; a crash loses at most those, a clean stop (SIGINT, SIGTERM) nothing.',
  ].join('\n'),
  options: {
    socket: { type: 'string', value: 'PATH', help: 'the Unix socket to listen on' },
    'domain-sockets': { type: 'string', value: 'DIR', help: 'a directory for the sockets of introduced domains' },
    'read-only': { type: 'boolean', help: 'serve a past state (with --at), refusing every change' },
    at: { type: 'string', value: 'COMMIT', help: 'the commit to serve with --read-only' },
  },
  args: [0, 0],
  async run(ctx) {
    const { globals, out } = ctx
    const socket = stringOption(ctx, 'socket')
    if (socket === undefined) throw new UsageError('xenstored needs --socket PATH')
    const readOnly = booleanOption(ctx, 'read-only')
    const atGiven = stringOption(ctx, 'at')
    if (readOnly !== (atGiven !== undefined)) throw new UsageError('--read-only and --at COMMIT go together')
    let store: OpenStore
    if (locateStore(globals.root) === 'none') {
      mkdirSync(globals.root, { recursive: true })
      store = await createStore(globals.root, globals.backend === 'git' ? 'git' : 'level', { wrap: writeBehind })
    } else store = await openStore(globals, undefined, writeBehind)
    const interrupt = onInterrupt()
    try {
      const at = atGiven === undefined ? undefined : await resolveCommit(store.repo, atGiven, globals.branch)
      const domainSockets = stringOption(ctx, 'domain-sockets')
      const server = await XenstoreServer.start({ repo: store.repo, socket: resolve(socket), domainSockets, at })
      try {
        out.result({ socket: resolve(socket), pid: process.pid, root: globals.root, at: at ?? null }, r => `irmin xenstored: ${r.root} on ${r.socket}${r.at ? ` (read-only at ${r.at})` : ''}`)
        await interrupt.signalled
      } finally {
        await server.close()
      }
    } finally {
      interrupt.dispose()
      await store.close()
    }
  },
}
