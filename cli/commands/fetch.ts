import { formatSize } from '../format/size.js'
import { type Command } from '../command.js'
import { transferProgress } from '../progress.js'
import { withStore } from '../store/open.js'
import { DEFAULT_REMOTE } from '../../sync/index.js'
import { branchLines, TOKEN_OPTION, tokenOf } from './sync-options.js'

export const fetchCommand: Command = {
  name: 'fetch',
  usage: '[REMOTE|URL] [BRANCH]',
  summary: "bring a remote's branches into refs/remotes/REMOTE/ (default remote: origin)",
  description: [
    'Asks the remote (a name from `irmin remote list`, or a URL) for its branches and fetches the',
    'commits this store lacks, keeping the remote\'s filter when the store is a lazy or path clone.',
    'The remote-tracking refs refs/remotes/REMOTE/BRANCH move; local branches do not (pull merges).',
    'When nothing changed, this is a single request. An interrupted fetch keeps what arrived and',
    'the next one does not fetch it again.',
  ].join('\n'),
  options: { token: TOKEN_OPTION },
  args: [0, 2],
  async run(ctx) {
    const { globals, args, out } = ctx
    const [remote = DEFAULT_REMOTE, branch] = args
    const progress = transferProgress('fetch')
    try {
      const result = await withStore(globals, ({ repo }) => repo.fetch(remote, branch, { token: tokenOf(ctx), onProgress: p => progress.update(p) }))
      progress.stop()
      out.result(result, r => [`fetched from ${r.remote}: ${r.objects} objects, ${formatSize(r.bytes)}`, ...branchLines(r.branches)])
    } finally {
      progress.stop()
    }
  },
}
