import type { Command } from '../command.js'
import { formatSize } from '../format/size.js'
import { withStore } from '../store/open.js'
import { plural, TOKEN_OPTION, tokenOf, withTransferProgress } from '../sync-options.js'

export const fetchCommand: Command = {
  name: 'fetch',
  usage: '[REMOTE|URL] [BRANCH]',
  summary: 'bring a remote\'s branches into refs/remotes/REMOTE/… (default remote: origin)',
  description: [
    'Fetches BRANCH (default: every branch) from REMOTE (a remembered remote, default "origin",',
    'or a URL) into the remote-tracking refs refs/remotes/REMOTE/BRANCH; local branches do not',
    'move (pull moves them). Only what this store lacks is sent; when nothing changed it is one',
    'request. An interrupted fetch keeps what arrived, and the next one does not fetch it again.',
    'A git remote (see clone) also brings its tags into refs/tags/ (an existing tag is kept).',
  ].join('\n'),
  options: { ...TOKEN_OPTION },
  args: [0, 2],
  async run(ctx) {
    const [remote = 'origin', branch] = ctx.args
    const result = await withStore(ctx.globals, ({ repo }) =>
      withTransferProgress('receiving', onProgress => repo.fetch(remote, branch, { token: tokenOf(ctx), onProgress })),
    )
    ctx.out.result(result, r => {
      const moved = r.branches.filter(b => b.before !== b.id)
      if (moved.length === 0) return `${r.remote}: up to date`
      return [
        `${r.remote}: ${plural(r.objects, 'object')} (${formatSize(r.bytes)})`,
        ...moved.map(b => `  ${r.remote}/${b.branch} ${b.before ? `${b.before.slice(0, 12)}..` : '(new) '}${b.id.slice(0, 12)}`),
      ]
    })
  },
}
