import { pull as pullBranch } from '../../sync/index.js'
import { booleanOption, type Command } from '../command.js'
import { reportingConflicts } from '../format/conflicts.js'
import { formatSize } from '../format/size.js'
import { mergingContents } from '../merge-rule.js'
import { type ContentsTypes, contentsFor, readContentsTypes } from '../store/contents-types.js'
import { remoteArgs } from '../remote-args.js'
import { withStore } from '../store/open.js'
import { plural, TOKEN_OPTION, withTransferProgress } from '../sync-options.js'

export const pull: Command = {
  name: 'pull',
  usage: '[REMOTE|URL] [BRANCH] [--from BRANCH] [--merge] [--token T]',
  summary: 'fetch a remote branch and bring a local branch up to it',
  description: [
    'Fetches the remote branch (--from, default BRANCH, default --branch) from REMOTE (a',
    'remembered remote, default origin, or a URL of irmin serve or a git server) into refs/remotes/REMOTE/BRANCH,',
    'then moves BRANCH forward to it. When both sides have new commits, --merge makes a merge',
    'commit (three-way, merging values by the rule of --contents; conflicts are listed, nothing',
    'changes and the exit status is 1); without it the pull is refused as not a fast-forward.',
    'A branch that does not exist here yet is created. --token (or $IRMIN_TOKEN) is the',
    'server\'s read token, when it has one. Prints what happened and the objects and bytes fetched.',
  ].join('\n'),
  options: {
    from: { type: 'string', value: 'BRANCH', help: 'the remote branch (default: the same name)' },
    merge: { type: 'boolean', help: 'merge when the local branch has commits the remote lacks' },
    ...TOKEN_OPTION,
  },
  args: [0, 2],
  async run(ctx) {
    const { globals, out } = ctx
    const { remote, branch, remoteBranch, token } = remoteArgs(ctx, 'from')
    const strategy = booleanOption(ctx, 'merge') ? 'merge' : 'fast-forward'
    const types: ContentsTypes = {}
    const outcome = await reportingConflicts(`pull of ${remote} into ${branch}`, globals.contents, { ours: branch, theirs: `${remote}/${branch}` }, () =>
      withStore(
        globals,
        async ({ repo }) => {
          Object.assign(types, await readContentsTypes(repo))
          return withTransferProgress('pull', onProgress => pullBranch(repo, remote, branch, { strategy, token, remoteBranch, onProgress }))
        },
        mergingContents(globals.contents, path => contentsFor(globals, types, path)),
      ),
    )
    const result = { kind: outcome.kind, branch, commit: outcome.head.id, objects: outcome.fetched.objects, bytes: outcome.fetched.bytes }
    out.result(result, r => {
      const fetched = `${plural(r.objects, 'object')}, ${formatSize(r.bytes)} fetched`
      if (r.kind === 'up-to-date') return `${branch} is up to date (${fetched})`
      if (r.kind === 'created') return `created ${branch} at ${r.commit} (${fetched})`
      return `${r.kind === 'merge' ? 'merged into' : 'fast-forward:'} ${branch} is now at ${r.commit} (${fetched})`
    })
  },
}
