/** The `--conflicts` option of the commands that merge (`merge`, `revert`). */
import { type CommandContext, type OptionSpecs, stringOption } from './command.js'
import { UsageError } from './errors.js'

const RESOLUTIONS = ['fail', 'ours', 'theirs', 'base', 'keep-both'] as const

export const CONFLICT_OPTIONS: OptionSpecs = {
  conflicts: {
    type: 'string',
    value: 'HOW',
    help: 'fail (default: list the conflicts, text ones with git\'s markers, change nothing, exit 1), ours, theirs, base (the common ancestor\'s version), or keep-both (theirs beside ours as NAME~theirs)',
  },
}

export function conflictResolution(ctx: CommandContext): (typeof RESOLUTIONS)[number] {
  const text = stringOption(ctx, 'conflicts') ?? 'fail'
  const found = RESOLUTIONS.find(resolution => resolution === text)
  if (found === undefined) throw new UsageError(`--conflicts takes fail, ours, theirs, base or keep-both, not "${text}"`)
  return found
}
