import { diffAt } from '../../core/watch.js'
import { formatPath, type Repo } from '../../index.js'
import type { Command, GlobalOptions } from '../command.js'
import { StoreInUseError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import { parsePathArgument } from '../paths.js'
import { TOKEN_OPTION } from '../sync-options.js'
import { watchRemote } from './watch-remote.js'
import { lockWaitMs, openStore, type OpenStore, storeBackend, tryOpenStore } from '../store/open.js'

const MARK = { added: '+', removed: '-', updated: '*' } as const
const POLL_MS = 200

export const watch: Command = {
  name: 'watch',
  usage: '[PATH | URL]',
  summary: 'print changes under PATH as they land ("+ path", "- path", "* path"), or the branch moves of a store served at URL',
  description: [
    'Prints a line for each path under PATH (default: everything) that changes on --branch, made by',
    'any process: "+ path" added, "- path" removed, "* path" updated. Runs until interrupted',
    '(Ctrl-C, SIGTERM), then exits 0.',
    '',
    'On a LevelDB store, which one process owns at a time, watch does not keep the store open: every',
    `${POLL_MS} ms it opens it, reads the head, and closes it again, so other commands keep working.`,
    '',
    'With a URL (http://…, a store served by irmin serve), prints its branch moves as the server',
    'reports them (server-sent events): "+ BRANCH ID" created, "* BRANCH ID" moved, "- BRANCH"',
    'deleted; it reconnects after a lost connection. --token T (or $IRMIN_TOKEN) for a guarded server.',
  ].join('\n'),
  options: { ...TOKEN_OPTION },
  args: [0, 1],
  async run(ctx) {
    const { globals, args, out } = ctx
    if (/^https?:\/\//.test(args[0] ?? '')) return watchRemote(ctx, args[0])
    const path = parsePathArgument(args[0] ?? '')
    const heads = await HeadPoller.start(globals)
    const interrupt = onInterrupt()
    try {
      let last = await heads.read(repo => repo.branch(globals.branch).headId())
      out.note(`watching ${path.length > 0 ? formatPath(path) : 'everything'} on ${globals.branch} (Ctrl-C stops)`)
      while (!interrupt.stopped) {
        await interrupt.sleep(POLL_MS)
        if (interrupt.stopped) break
        const seen = last
        const changes = await heads.poll(async repo => {
          const head = await repo.branch(globals.branch).headId()
          if (head === seen) return []
          const changes = await diffAt(await treeAt(repo, seen), await treeAt(repo, head), path)
          last = head
          return changes.map(c => ({ kind: c.kind, path: formatPath(c.path), commit: head ?? null }))
        })
        for (const change of changes ?? []) out.result(change, c => `${MARK[c.kind]} ${c.path}`)
      }
    } finally {
      interrupt.dispose()
      await heads.close()
    }
  },
}

async function treeAt(repo: Repo<Uint8Array>, commit: string | undefined) {
  return commit === undefined ? repo.emptyTree() : repo.treeOf((await repo.readCommit(commit)).tree)
}

/**
 * Reads from the store at intervals. A git or PostgreSQL store stays open (many processes may use it at
 * once); a LevelDB store is opened for each read and closed after it, and a read that finds it
 * locked is skipped, unless it stays locked for longer than a command would wait.
 */
class HeadPoller {
  private lockedSince: number | undefined

  private constructor(
    private readonly globals: GlobalOptions,
    private readonly kept: OpenStore | undefined,
  ) {}

  static async start(globals: GlobalOptions): Promise<HeadPoller> {
    const kept = storeBackend(globals) !== 'level' ? await openStore(globals) : undefined
    return new HeadPoller(globals, kept)
  }

  /** `read` run on the store, waiting for a busy LevelDB store as any command does. */
  async read<R>(read: (repo: Repo<Uint8Array>) => Promise<R>): Promise<R> {
    if (this.kept) return read(this.kept.repo)
    return this.use(await openStore(this.globals), read)
  }

  /** `read` run on the store, or undefined when a LevelDB store is busy this time. */
  async poll<R>(read: (repo: Repo<Uint8Array>) => Promise<R>): Promise<R | undefined> {
    if (this.kept) return read(this.kept.repo)
    const store = await tryOpenStore(this.globals)
    if (store === undefined) {
      this.lockedSince ??= Date.now()
      if (Date.now() - this.lockedSince > lockWaitMs()) throw new StoreInUseError(this.globals.root)
      return undefined
    }
    this.lockedSince = undefined
    return this.use(store, read)
  }

  private async use<R>(store: OpenStore, read: (repo: Repo<Uint8Array>) => Promise<R>): Promise<R> {
    try {
      return await read(store.repo)
    } finally {
      await store.close()
    }
  }

  async close(): Promise<void> {
    await this.kept?.close()
  }
}
