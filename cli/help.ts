/** Help text, made from the command table and each command's own description. */
import { GLOBAL_OPTIONS } from './args.js'
import type { Command, OptionSpecs } from './command.js'

export const VERSION = '0.1.0'

export function overview(commands: readonly Command[]): string {
  const rows = commands.map(c => [`${c.name}${c.usage && !c.usage.startsWith('[-') ? ` ${argumentsOf(c.usage)}` : ''}`, c.summary] as const)
  return [
    'irmin: a Git-like, branch-consistent store on the command line',
    '',
    'usage: irmin [global options] COMMAND [arguments]',
    '',
    'commands:',
    ...table(rows),
    '',
    'global options (before or after the command):',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'exit status: 0 success, 1 failure (not found, no store, store in use, ...), 2 usage error',
    'irmin help COMMAND, or irmin COMMAND --help, describes one command.',
  ].join('\n')
}

export function commandHelp(command: Command): string {
  return [
    `usage: irmin ${command.name}${command.usage ? ` ${command.usage}` : ''}`,
    '',
    command.summary,
    ...(command.description ? ['', command.description] : []),
    ...(command.options ? ['', 'options:', ...optionLines(command.options)] : []),
    '',
    'global options: --root DIR, --backend NAME, --branch NAME, --contents KIND, --json, --debug (see irmin --help)',
  ].join('\n')
}

/** The positional part of a usage line (`PATH VALUE|-`), without its options. */
function argumentsOf(usage: string): string {
  return usage.replace(/\s*\[-[^\]]*\]/g, '').trim()
}

function optionLines(options: OptionSpecs): string[] {
  return table(
    Object.entries(options).map(([name, spec]) => {
      const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`
      return [flag, spec.help] as const
    }),
  )
}

/** Two columns; a left cell too wide for the column puts its right cell on the next line. */
function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.min(24, Math.max(...rows.map(([left]) => left.length))) + 2
  return rows.flatMap(([left, right]) => (left.length + 2 > width ? [`  ${left}`, `  ${''.padEnd(width)}${right}`] : [`  ${left.padEnd(width)}${right}`]))
}
