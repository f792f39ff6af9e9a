import { booleanOption, type Command } from '../command.js'
import { UsageError } from '../errors.js'
import { formatSize } from '../format/size.js'
import { withStore } from '../store/open.js'
import { plural, TOKEN_OPTION, tokenOf, withTransferProgress } from '../sync-options.js'

export const push: Command = {
  name: 'push',
  usage: '[REMOTE|URL] [BRANCH] [--force | --merge]',
  summary: 'send --branch to a remote and move its BRANCH there',
  description: [
    'Sends what the remote lacks of --branch to REMOTE (default "origin") and moves the remote\'s',
    'BRANCH (default: the same name) to it, if that is a fast-forward. Otherwise it is refused',
    '(pull first), unless --merge (the server merges, by its own rules) or --force (the remote',
    'branch is overwritten, but only if it has not moved since this store last saw it).',
    'Writes need the server\'s token when it has one (--token, or $IRMIN_TOKEN). An interrupted',
    'push, run again, does not send again what already arrived.',
  ].join('\n'),
  options: {
    force: { type: 'boolean', help: 'overwrite the remote branch (if it is still what this store last fetched)' },
    merge: { type: 'boolean', help: 'let the server merge when it is not a fast-forward' },
    ...TOKEN_OPTION,
  },
  args: [0, 2],
  async run(ctx) {
    const { globals } = ctx
    const [remote = 'origin', remoteBranch = globals.branch] = ctx.args
    const force = booleanOption(ctx, 'force')
    const merge = booleanOption(ctx, 'merge')
    if (force && merge) throw new UsageError('push takes --force or --merge, not both')
    const mode = force ? 'force' : merge ? 'merge' : 'fast-forward'
    const outcome = await withStore(globals, ({ repo }) =>
      withTransferProgress('sending', onProgress => repo.push(remote, globals.branch, { remoteBranch, mode, token: tokenOf(ctx), onProgress })),
    )
    ctx.out.result(outcome, r =>
      r.old === r.new
        ? `${r.remote}/${remoteBranch}: up to date`
        : `${r.remote}/${remoteBranch}: ${r.old ? r.old.slice(0, 12) : '(new)'}..${r.new ? r.new.slice(0, 12) : '(deleted)'}${r.merged ? ' (merged on the server)' : ''}, ${plural(r.objects, 'object')} (${formatSize(r.bytes)}) sent`,
    )
  },
}
