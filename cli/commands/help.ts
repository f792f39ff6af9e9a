import type { Command } from '../command.js'
import { UsageError } from '../errors.js'
import { commandHelp, overview } from '../help.js'
import { COMMANDS, findCommand } from '../registry.js'

export const help: Command = {
  name: 'help',
  usage: '[COMMAND]',
  summary: 'describe every command, or one',
  args: [0, 1],
  async run({ args, out }) {
    if (args[0] === undefined) return out.help(overview(COMMANDS))
    const command = findCommand(args[0])
    if (!command) throw new UsageError(`unknown command "${args[0]}" (irmin --help lists the commands)`)
    out.help(commandHelp(command))
  },
}
