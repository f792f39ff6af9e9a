/**
 * What a command is: a name, its help, the options and positional arguments it takes, and what
 * it does. Each command is one file in `commands/`, listed once in `registry.ts`.
 */
import type { Output } from './output.js'

export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  /** The placeholder shown in help for a string option's value (`N`, `MSG`). */
  readonly value?: string
  readonly help: string
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>

export type BackendName = 'level' | 'git' | 'postgres' | 'memory'
export type ContentsName = 'string' | 'json' | 'bytes' | 'counter' | 'multiset' | 'set' | 'lww' | 'log'

/** The options every command takes, before or after its name. */
export interface GlobalOptions {
  readonly root: string
  /** Only when given: later commands detect the backend from the store. */
  readonly backend: BackendName | undefined
  readonly branch: string
  readonly contents: ContentsName
  /** True when --contents was given (not the default): it is then recorded, or checked against the record. */
  readonly contentsGiven?: boolean
  readonly json: boolean
  readonly debug: boolean
}

export interface CommandContext {
  readonly globals: GlobalOptions
  /** Positional arguments after the command name. */
  readonly args: readonly string[]
  /** The command's own options, by long name (absent: not given). */
  readonly options: Readonly<Record<string, string | boolean>>
  readonly out: Output
}

export interface Command {
  readonly name: string
  /** The arguments as the usage line shows them: `PATH VALUE|-`. */
  readonly usage: string
  /** One line for `irmin --help`. */
  readonly summary: string
  /** Paragraphs for `irmin COMMAND --help`. */
  readonly description?: string
  readonly options?: OptionSpecs
  /** How many positional arguments it takes: [min, max]. */
  readonly args: readonly [min: number, max: number]
  run(ctx: CommandContext): Promise<void>
}

/** A string option's value, or undefined when it was not given. */
export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.options[name]
  return typeof value === 'string' ? value : undefined
}

export function booleanOption(ctx: CommandContext, name: string): boolean {
  return ctx.options[name] === true
}
