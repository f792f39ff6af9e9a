import { booleanOption, type Command } from '../command.js'
import { withStore } from '../store/open.js'
import { mergingContents } from '../merge-rule.js'
import { TOKEN_OPTION, tokenOf, withTransferProgress } from '../sync-options.js'

export const pull: Command = {
  name: 'pull',
  usage: '[REMOTE|URL] [BRANCH] [--ff-only]',
  summary: 'fetch a remote branch and merge it into --branch',
  description: [
    'Fetches BRANCH (default: the --branch name) from REMOTE (default "origin") and brings',
    '--branch up to it: a fast-forward when --branch is behind, otherwise a merge commit',
    '(three-way, by the --contents rule; conflicts are listed and nothing moves). With --ff-only,',
    'a pull that would need a merge is refused instead.',
  ].join('\n'),
  options: {
    'ff-only': { type: 'boolean', help: 'refuse to pull when a merge would be needed' },
    ...TOKEN_OPTION,
  },
  args: [0, 2],
  async run(ctx) {
    const { globals } = ctx
    const [remote = 'origin', remoteBranch = globals.branch] = ctx.args
    const strategy = booleanOption(ctx, 'ff-only') ? 'fast-forward' : 'merge'
    const outcome = await withStore(
      globals,
      ({ repo }) =>
        withTransferProgress('receiving', onProgress => repo.pull(remote, globals.branch, { remoteBranch, strategy, token: tokenOf(ctx), onProgress })),
      mergingContents(globals.contents),
    )
    ctx.out.result({ kind: outcome.kind, head: outcome.head.id, objects: outcome.fetched.objects }, r =>
      r.kind === 'up-to-date' ? `${globals.branch}: up to date` : `${globals.branch}: ${r.kind} to ${r.head.slice(0, 12)} (${r.objects} objects fetched)`,
    )
  },
}
