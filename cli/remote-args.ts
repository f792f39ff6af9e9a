/** What `push` and `pull` read alike: `[REMOTE] [BRANCH]`, the other side's branch option, the token. */
import { validateBranchName } from '../index.js'
import { DEFAULT_REMOTE } from '../sync/index.js'
import { type CommandContext, stringOption } from './command.js'
import { tokenOf } from './sync-options.js'

export interface RemoteArgs {
  /** A remembered remote's name or a URL (default origin). */
  readonly remote: string
  /** The local branch (default --branch). */
  readonly branch: string
  /** The remote branch, when the option naming it was given. */
  readonly remoteBranch: string | undefined
  /** --token, or $IRMIN_TOKEN. */
  readonly token: string | undefined
}

export function remoteArgs(ctx: CommandContext, remoteBranchOption: string): RemoteArgs {
  const [remote = DEFAULT_REMOTE, branch = ctx.globals.branch] = ctx.args
  validateBranchName(branch)
  const remoteBranch = stringOption(ctx, remoteBranchOption)
  if (remoteBranch !== undefined) validateBranchName(remoteBranch)
  return { remote, branch, remoteBranch, token: tokenOf(ctx) }
}
