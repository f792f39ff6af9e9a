import { isObjectId } from '../../index.js'
import { push as pushBranch, type PushMode, type PushProgress } from '../../sync/index.js'
import { UsageError } from '../errors.js'
import { booleanOption, type Command, stringOption } from '../command.js'
import { formatSize } from '../format/size.js'
import { type Progress, progressBar } from '../progress.js'
import { remoteArgs } from '../remote-args.js'
import { withStore } from '../store/open.js'
import { plural, TOKEN_OPTION } from '../sync-options.js'

export const push: Command = {
  name: 'push',
  usage: '[REMOTE|URL] [BRANCH] [--to BRANCH] [--merge | --force] [--lease ID] [--token T]',
  summary: 'send a branch to a remote (irmin serve or a git server) and move its branch there',
  description: [
    'Sends BRANCH (default --branch) to REMOTE (a remembered remote, default origin, or a URL of',
    'irmin serve) and moves the remote branch (--to, default the same name). Only what the remote',
    'lacks is sent; an interrupted push sent again sends nothing that already arrived. The remote',
    'branch moves only forward (a fast-forward) unless --merge (the server merges with its own',
    'contents rules; conflicts refuse the push and nothing moves) or --force (with --lease ID:',
    'only if the remote branch is still at ID). The server checks every object and that the new',
    'head\'s history is complete there before it moves anything. --token (or $IRMIN_TOKEN) is the',
    'server\'s write token. Prints the old and new remote head and the objects and bytes sent.',
    'To a git server (receive-pack): the fast-forward rule is checked here before anything is',
    'sent; --merge is refused (pull --merge, then push); --token is the HTTP password.',
  ].join('\n'),
  options: {
    to: { type: 'string', value: 'BRANCH', help: 'the remote branch (default: the same name)' },
    merge: { type: 'boolean', help: 'when not a fast-forward, have the server merge' },
    force: { type: 'boolean', help: 'move the remote branch whatever it names' },
    lease: { type: 'string', value: 'ID', help: 'with --force: only if the remote branch is still at ID' },
    ...TOKEN_OPTION,
  },
  args: [0, 2],
  async run(ctx) {
    const { globals, out } = ctx
    const { remote, branch, remoteBranch, token } = remoteArgs(ctx, 'to')
    const mode = pushMode(booleanOption(ctx, 'merge'), booleanOption(ctx, 'force'))
    const lease = stringOption(ctx, 'lease')
    if (lease !== undefined && (mode !== 'force' || !isObjectId(lease))) throw new UsageError('--lease takes a 40-hex commit id, with --force')
    let bar: Progress | undefined
    let shown = 0
    const onProgress = (p: PushProgress) => {
      bar ??= progressBar('push', p.totalObjects)
      bar.advance(p.objects - shown)
      shown = p.objects
    }
    const result = await withStore(globals, async ({ repo }) => {
      try {
        return await pushBranch(repo, remote, branch, { mode, lease, token, remoteBranch, onProgress })
      } finally {
        bar?.stop()
      }
    })
    out.result(result, r => {
      const where = `${r.remote} ${r.ref.slice('refs/heads/'.length)}`
      const sent = `${plural(r.objects, 'object')}, ${formatSize(r.bytes)} sent`
      if (r.new === null) return `deleted ${where} (was ${r.old})`
      if (r.old === r.new) return `${where} is already at ${r.new} (${sent})`
      return `${r.merged ? 'merged into' : 'pushed to'} ${where}: ${r.old ?? '(new branch)'} → ${r.new} (${sent})`
    })
  },
}

function pushMode(merge: boolean, force: boolean): PushMode {
  if (merge && force) throw new UsageError('--merge and --force exclude each other')
  return merge ? 'merge' : force ? 'force' : 'fast-forward'
}
