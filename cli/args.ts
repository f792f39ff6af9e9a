/**
 * Reading the command line with `util.parseArgs`: global options anywhere, then the command name
 * (the first positional argument), then the command's own options and arguments. parseArgs runs
 * non-strict and its tokens are checked here, so every mistake gets a message naming the option.
 */
import { parseArgs } from 'node:util'
import { validateBranchName } from '../core/index.js'
import { CONTENTS_NAMES } from './codecs.js'
import type { BackendName, Command, ContentsName, GlobalOptions, OptionSpecs } from './command.js'
import { UsageError } from './errors.js'

export const GLOBAL_OPTIONS: OptionSpecs = {
  root: { type: 'string', value: 'DIR', help: 'the store (default ./.irmin, or $IRMIN_ROOT)' },
  backend: {
    type: 'string',
    value: 'NAME',
    help: 'level, git, postgres (with init --url) or memory; only at init (later commands detect it). memory does not persist: it only makes sense within one process (serve)',
  },
  branch: { type: 'string', value: 'NAME', help: 'the branch to read and write (default main)' },
  contents: { type: 'string', value: 'KIND', help: 'how values are read, written and merged: string (default), json, bytes, or a mergeable type: counter, multiset, set, lww, log' },
  json: { type: 'boolean', help: 'machine-readable output (errors too, on stderr)' },
  debug: { type: 'boolean', help: 'print stack traces with errors' },
  help: { type: 'boolean', short: 'h', help: 'show help (irmin COMMAND --help for one command)' },
  version: { type: 'boolean', short: 'V', help: 'print the version' },
}

const BACKENDS: readonly BackendName[] = ['level', 'git', 'postgres', 'memory']

export interface CommandLine {
  /** Undefined when no command was named. */
  readonly command: string | undefined
  readonly globals: GlobalOptions
  readonly args: string[]
  readonly options: Record<string, string | boolean>
  readonly help: boolean
  readonly version: boolean
}

type Values = Record<string, string | boolean>

/** Finds the command name: the first positional argument, global options skipped. */
export function findCommandName(argv: readonly string[]): string | undefined {
  return readTokens(argv, GLOBAL_OPTIONS, false).positionals[0]
}

/**
 * Parses `argv` for `command` (undefined: only global options are allowed). `env` supplies
 * `IRMIN_ROOT`. Throws `UsageError` for anything that is not a valid command line.
 */
export function parseCommandLine(argv: readonly string[], command: Command | undefined, env: NodeJS.ProcessEnv): CommandLine {
  const specs = { ...GLOBAL_OPTIONS, ...command?.options }
  // `log -3` is git's spelling of `log -n 3`.
  if (specs['max-count']) argv = argv.map(arg => (/^-[0-9]+$/.test(arg) ? `--max-count=${arg.slice(1)}` : arg))
  const { values, positionals } = readTokens(argv, specs, true)
  const [name, ...args] = positionals
  const options: Values = {}
  for (const key of Object.keys(command?.options ?? {})) if (key in values) options[key] = values[key]
  const help = values.help === true
  if (command && !help) checkArgumentCount(command, args)
  return { command: name, globals: readGlobals(values, env), args, options, help, version: values.version === true }
}

function readTokens(argv: readonly string[], specs: OptionSpecs, check: boolean): { values: Values; positionals: string[] } {
  const { tokens } = parseArgs({ args: [...argv], options: specs as never, strict: false, allowPositionals: true, tokens: true })
  const values: Values = {}
  const positionals: string[] = []
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value)
    if (token.kind !== 'option') continue
    const spec = specs[token.name]
    if (!spec) {
      if (check) throw new UsageError(`unknown option ${token.rawName}`)
      continue
    }
    if (spec.type === 'string') {
      if (token.value === undefined) {
        if (check) throw new UsageError(`option ${token.rawName} needs a value (${token.rawName} ${spec.value ?? 'VALUE'})`)
        continue
      }
      values[token.name] = token.value
    } else {
      if (token.inlineValue && check) throw new UsageError(`option ${token.rawName} takes no value`)
      values[token.name] = true
    }
  }
  return { values, positionals }
}

function checkArgumentCount(command: Command, args: readonly string[]): void {
  const [min, max] = command.args
  const usage = `usage: irmin ${command.name}${command.usage ? ` ${command.usage}` : ''}`
  if (args.length < min) throw new UsageError(`irmin ${command.name} needs more arguments (${usage})`)
  if (args.length > max) throw new UsageError(`too many arguments for irmin ${command.name}: ${args.slice(max).join(' ')} (${usage})`)
}

function readGlobals(values: Values, env: NodeJS.ProcessEnv): GlobalOptions {
  const backend = values.backend as string | undefined
  if (backend !== undefined && !BACKENDS.includes(backend as BackendName)) {
    throw new UsageError(`unknown backend "${backend}": choose level, git, postgres or memory`)
  }
  const contents = (values.contents as string | undefined) ?? 'string'
  if (!CONTENTS_NAMES.includes(contents as ContentsName)) throw new UsageError(`unknown contents "${contents}": choose ${CONTENTS_NAMES.join(', ')}`)
  const branch = (values.branch as string | undefined) ?? 'main'
  validateBranchName(branch)
  const root = (values.root as string | undefined) ?? (env.IRMIN_ROOT || './.irmin')
  if (root === '') throw new UsageError('--root needs a directory')
  return {
    root,
    backend: backend as BackendName | undefined,
    branch,
    contents: contents as ContentsName,
    contentsGiven: values.contents !== undefined,
    json: values.json === true,
    debug: values.debug === true,
  }
}

/** A whole number within bounds, from an option's text. */
export function integerOption(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, not "${text}"`)
  }
  return Number(text)
}
