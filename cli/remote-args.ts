/** What `push` and `pull` read alike: `REMOTE [BRANCH]`, the other side's branch option, the token. */
import { validateBranchName } from '../index.js'
import { type CommandContext, stringOption } from './command.js'

export interface RemoteArgs {
  readonly remote: string
  /** The local branch (default --branch). */
  readonly branch: string
  /** The remote branch, when the option naming it was given. */
  readonly remoteBranch: string | undefined
  /** --token, or $IRMIN_TOKEN. */
  readonly token: string | undefined
}

export function remoteArgs(ctx: CommandContext, remoteBranchOption: string): RemoteArgs {
  const [remote, branch = ctx.globals.branch] = ctx.args
  validateBranchName(branch)
  const remoteBranch = stringOption(ctx, remoteBranchOption)
  if (remoteBranch !== undefined) validateBranchName(remoteBranch)
  return { remote, branch, remoteBranch, token: stringOption(ctx, 'token') ?? process.env.IRMIN_TOKEN }
}
