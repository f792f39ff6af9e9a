/** The options of commands that make a commit (`set`, `remove`, `import`, `merge`, `revert`). */
import type { CommitOptions } from '../index.js'
import { commitIdentity } from './author.js'
import { type CommandContext, type OptionSpecs, stringOption } from './command.js'

export const COMMIT_OPTIONS: OptionSpecs = {
  message: { type: 'string', short: 'm', value: 'MSG', help: 'the commit message' },
  author: {
    type: 'string',
    value: 'AUTHOR',
    help: 'the commit author, "Name <email>" (default $IRMIN_AUTHOR, then $GIT_AUTHOR_NAME/$GIT_AUTHOR_EMAIL, then git config user.name/user.email, then irminsule <irminsule@localhost>)',
  },
}

/** For commands that write to --branch (`set`, `remove`, `import`): a branch that does not exist is refused without it. */
export const CREATE_OPTION: OptionSpecs = {
  create: { type: 'boolean', help: 'write to --branch even if it does not exist, starting a new history there' },
}

/** The options given; without -m, `defaultMessage`, or the store's own message when that is absent too. */
export async function commitOptions(ctx: CommandContext, defaultMessage?: string): Promise<CommitOptions> {
  const { author, committer } = await commitIdentity(stringOption(ctx, 'author'))
  const message = stringOption(ctx, 'message') ?? defaultMessage
  return { ...(message === undefined ? {} : { message }), ...(author === undefined ? {} : { author }), ...(committer === undefined ? {} : { committer }) }
}
