import { formatPath } from '../../index.js'
import { booleanOption, type Command } from '../command.js'
import { COMMIT_OPTIONS, commitOptions, CREATE_OPTION } from '../commit-options.js'
import { writableBranch } from '../store/branches.js'
import { parseValuePath } from '../paths.js'
import { readStdin } from '../stdin.js'
import { withStore } from '../store/open.js'
import { encodeArgument, encodeInput } from '../values.js'
import { writeResult } from './write-result.js'

export const set: Command = {
  name: 'set',
  usage: 'PATH VALUE|- [-m MSG] [--author AUTHOR]',
  summary: 'set PATH to VALUE (- reads standard input) in a new commit',
  description: [
    'Sets PATH to VALUE on --branch in one commit and prints the commit id. VALUE "-" reads the',
    'value from standard input, byte for byte. The value must suit --contents: UTF-8 text for',
    'string, a JSON document for json (stored in canonical form), anything for bytes, a whole',
    'number for counter, and JSON of the type\'s shape for multiset ({"x": 2}), set (["a", "b"]),',
    'lww ({"time": 1, "value": ...}) and log ([{"id": "a", "time": 1, ...}]). Setting a value',
    'that is already there makes no commit.',
  ].join('\n'),
  options: { ...COMMIT_OPTIONS, ...CREATE_OPTION },
  args: [2, 2],
  async run(ctx) {
    const { globals, args } = ctx
    const path = parseValuePath(args[0])
    const value = args[1] === '-' ? encodeInput(await readStdin(), globals.contents) : encodeArgument(args[1], globals.contents)
    const options = await commitOptions(ctx, `set ${formatPath(path)}`)
    const moved = await withStore(globals, async ({ repo }) => {
      const store = await writableBranch(repo, globals.branch, booleanOption(ctx, 'create'))
      const before = await store.headId()
      return { before, after: (await store.set(path, value, options))?.id }
    })
    writeResult(ctx.out, moved)
  },
}
