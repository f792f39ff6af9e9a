/**
 * One run of `irmin`: read the command line, run the command, and turn whatever it throws into
 * one line on stderr and an exit status (see errors.ts).
 */
import { findCommandName, parseCommandLine } from './args.js'
import { EXIT_OK, exitCodeOf, UsageError } from './errors.js'
import { commandHelp, overview, VERSION } from './help.js'
import { Output, type Sink } from './output.js'
import { COMMANDS, findCommand } from './registry.js'

export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, stdout: Sink, stderr: Sink): Promise<number> {
  // Until the command line is read, errors are printed as --json and --debug would print them.
  let out = new Output(argv.includes('--json'), stdout, stderr)
  let debug = argv.includes('--debug')
  try {
    const name = findCommandName(argv)
    const command = name === undefined ? undefined : findCommand(name)
    if (name !== undefined && !command) throw new UsageError(`unknown command "${name}" (irmin --help lists the commands)`)
    const line = parseCommandLine(argv, command, env)
    out = new Output(line.globals.json, stdout, stderr)
    debug = line.globals.debug
    if (!command) {
      if (line.version) out.result({ version: VERSION }, v => `irmin ${v.version}`)
      else if (line.help) out.help(overview(COMMANDS))
      else throw new UsageError('no command given (irmin --help lists the commands)')
      return EXIT_OK
    }
    if (line.help) {
      out.help(commandHelp(command))
      return EXIT_OK
    }
    await command.run({ globals: line.globals, args: line.args, options: line.options, out })
    return EXIT_OK
  } catch (error) {
    out.error(error, debug)
    return exitCodeOf(error)
  }
}
