/** The options of commands that make a commit (`set`, `remove`, `import`, `merge`, `revert`). */
import type { CommitOptions } from '../index.js'
import { type CommandContext, type OptionSpecs, stringOption } from './command.js'

export const COMMIT_OPTIONS: OptionSpecs = {
  message: { type: 'string', short: 'm', value: 'MSG', help: 'the commit message' },
  author: { type: 'string', value: 'AUTHOR', help: 'the commit author, "Name <email>" (default irminsule <irminsule@localhost>)' },
}

/** The options given; without -m, `defaultMessage`, or the store's own message when that is absent too. */
export function commitOptions(ctx: CommandContext, defaultMessage?: string): CommitOptions {
  const author = stringOption(ctx, 'author')
  const message = stringOption(ctx, 'message') ?? defaultMessage
  return { ...(message === undefined ? {} : { message }), ...(author === undefined ? {} : { author }) }
}
