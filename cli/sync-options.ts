/**
 * What the sync commands (clone, fetch, pull, push) share: the token (`--token`, else
 * `$IRMIN_TOKEN`) and a progress line fed by a transfer's running counts.
 */
import type { OptionSpecs } from './command.js'
import { type CommandContext, stringOption } from './command.js'
import { UsageError } from './errors.js'
import { transferProgress } from './progress.js'

export const TOKEN_OPTION: OptionSpecs = {
  token: { type: 'string', value: 'T', help: 'the server\'s token, sent as "Authorization: Bearer T" (default: $IRMIN_TOKEN)' },
}

export function tokenOf(ctx: CommandContext): string | undefined {
  const token = stringOption(ctx, 'token')
  if (token === '') throw new UsageError('--token needs a non-empty token')
  return token ?? (process.env.IRMIN_TOKEN || undefined)
}

/** Runs a transfer with a progress line on stderr (a terminal only), cleared however it ends. */
export async function withTransferProgress<R>(label: string, run: (onProgress: (p: { objects: number; bytes: number }) => void) => Promise<R>): Promise<R> {
  const progress = transferProgress(label)
  try {
    return await run(p => progress.update(p.objects, p.bytes))
  } finally {
    progress.stop()
  }
}

export function plural(n: number, word: string, words = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : words}`
}
