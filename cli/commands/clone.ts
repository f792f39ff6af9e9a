import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { Contents, Repo } from '../../index.js'
import { lazyBackend } from '../../sync/index.js'
import { integerOption } from '../args.js'
import { booleanOption, type Command, stringOption } from '../command.js'
import { UsageError } from '../errors.js'
import { formatSize } from '../format/size.js'
import { transferProgress } from '../progress.js'
import { createStore, MEMORY_DOES_NOT_PERSIST } from '../store/open.js'
import { branchLines, TOKEN_OPTION, tokenOf } from './sync-options.js'

export const clone: Command = {
  name: 'clone',
  usage: 'URL DIR [--lazy] [--depth N] [--path P]',
  summary: 'copy the store served at URL (irmin serve) into a new store at DIR',
  description: [
    'Creates a store at DIR (--backend level, the default, or git), remembers URL as the remote',
    '"origin", fetches every branch and creates a local branch at each. --depth N keeps the newest',
    'N commits of each line of history (older ones end history, as in a shallow git clone). --path P',
    'fetches only the subtree under P (and the directories on the way to it). --lazy fetches',
    'history and directories now and file contents when first read (the remote is remembered as',
    'the store\'s promisor; reads while offline fail with a clear error); with --path, the rest of',
    'the tree is fetched on first read too. Prints the objects and bytes received.',
  ].join('\n'),
  options: {
    lazy: { type: 'boolean', help: 'fetch file contents when first read, not now' },
    depth: { type: 'string', value: 'N', help: 'only the newest N commits of each line of history' },
    path: { type: 'string', value: 'P', help: 'only the subtree under P' },
    token: TOKEN_OPTION,
  },
  args: [2, 2],
  async run(ctx) {
    const { globals, args, out } = ctx
    const [url, dir] = args
    if (globals.backend === 'memory') throw new UsageError(MEMORY_DOES_NOT_PERSIST)
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`${dir} exists and is not empty`)
    const depthText = stringOption(ctx, 'depth')
    const depth = depthText === undefined ? undefined : integerOption('depth', depthText, 1, Number.MAX_SAFE_INTEGER)
    const lazy = booleanOption(ctx, 'lazy')
    const token = tokenOf(ctx)
    mkdirSync(dir, { recursive: true })
    const store = await createStore(dir, globals.backend ?? 'level')
    const repo = lazy ? await Repo.open({ backend: lazyBackend(store.repo.backend, { token }), contents: Contents.bytes }) : store.repo
    const progress = transferProgress('clone')
    try {
      const result = await repo.clone(url, { lazy, depth, path: stringOption(ctx, 'path'), token, onProgress: p => progress.update(p) })
      progress.stop()
      out.result({ root: dir, url, ...result }, r => [
        `cloned ${url} into ${dir}: ${r.objects} objects, ${formatSize(r.bytes)}${lazy ? ' (lazy: contents on first read)' : ''}`,
        ...branchLines(r.branches),
      ])
    } finally {
      progress.stop()
      await repo.close()
    }
  },
}
