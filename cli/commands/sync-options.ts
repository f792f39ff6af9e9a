/** Options the sync commands share: the token (--token, else $IRMIN_TOKEN) and transfer progress. */
import { type CommandContext, stringOption } from '../command.js'
import { UsageError } from '../errors.js'

export const TOKEN_OPTION = { type: 'string', value: 'T', help: 'the token the server asks for (default: $IRMIN_TOKEN)' } as const

export function tokenOf(ctx: CommandContext): string | undefined {
  const token = stringOption(ctx, 'token') ?? process.env.IRMIN_TOKEN
  if (token === '') throw new UsageError('--token needs a non-empty token')
  return token
}

/** Branch lines of a fetch or clone: `main  1a2b3c4 (was 5d6e7f8)`. */
export function branchLines(branches: ReadonlyArray<{ branch: string; id: string; before: string | undefined }>): string[] {
  return branches.map(b => `  ${b.branch}  ${b.id.slice(0, 7)}${b.before === undefined ? ' (new)' : b.before === b.id ? '' : ` (was ${b.before.slice(0, 7)})`}`)
}
