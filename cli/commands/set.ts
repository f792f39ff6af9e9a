import { booleanOption, type Command } from '../command.js'
import { type Assignment, type ContentsOf, isSingleValue, parseAssignments, parseObject, setMessage } from '../assignments.js'
import type { Path } from '../../index.js'
import { contentsFor, readContentsTypes, recordContentsTypes } from '../store/contents-types.js'
import { UsageError } from '../errors.js'
import { COMMIT_OPTIONS, commitOptions, CREATE_OPTION } from '../commit-options.js'
import { parseValuePath } from '../paths.js'
import { readStdin } from '../stdin.js'
import { writableBranch } from '../store/branches.js'
import { withStoreOrServer } from '../store/open.js'
import { encodeArgument, encodeInput } from '../values.js'
import { writeResult } from './write-result.js'

function single(path: Path, value: string, input: Uint8Array | undefined, contentsOf: ContentsOf): Assignment {
  const contents = contentsOf(path)
  return [path, value === '-' ? encodeInput(input!, contents) : encodeArgument(value, contents)]
}

export const set: Command = {
  name: 'set',
  usage: 'PATH VALUE|- | PATH=VALUE... | - [-m MSG] [--author AUTHOR]',
  summary: 'set PATH to VALUE (- reads standard input), or several paths, in one new commit',
  description: [
    'Sets PATH to VALUE on --branch in one commit and prints the commit id. VALUE "-" reads the',
    'value from standard input, byte for byte. The value must suit --contents: UTF-8 text for',
    'string, a JSON document for json (stored in canonical form), anything for bytes, a whole',
    'number for counter, and JSON of the type\'s shape for multiset ({"x": 2}), set (["a", "b"]),',
    'lww ({"time": 1, "value": ...}) and log ([{"id": "a", "time": 1, ...}]). Setting a value',
    'that is already there makes no commit.',
    '',
    'Several values in one commit: irmin set a=1 b/c=2 (each PATH=VALUE; the first = splits), or',
    'irmin set - with a JSON object on standard input, {"a": "1", "b/c": "2"}: string values for',
    'string and bytes, numbers for counter, the JSON values themselves for json and the mergeable',
    'types; null removes the path.',
  ].join('\n'),
  options: { ...COMMIT_OPTIONS, ...CREATE_OPTION },
  args: [1, Number.MAX_SAFE_INTEGER],
  async run(ctx) {
    const { globals, args } = ctx
    if (args.length === 1 && args[0] !== '-' && !args[0].includes('=')) throw new UsageError(`irmin set needs more arguments (usage: irmin set ${set.usage})`)
    // Standard input is read before the store is opened: a LevelDB store stays locked no longer than needed.
    const input = args[args.length - 1] === '-' ? await readStdin() : undefined
    const moved = await withStoreOrServer(globals, async ({ repo }) => {
      const types = await readContentsTypes(repo)
      const contentsOf = (path: Path) => contentsFor(globals, types, path)
      const assignments: Assignment[] = isSingleValue(args)
        ? [single(parseValuePath(args[0]), args[1], input, contentsOf)]
        : args.length === 1 && args[0] === '-'
          ? parseObject(input!, contentsOf)
          : parseAssignments(args, contentsOf)
      const options = await commitOptions(ctx, setMessage(assignments))
      const store = await writableBranch(repo, globals.branch, booleanOption(ctx, 'create'))
      const before = await store.headId()
      let after: string | undefined
      if (assignments.length === 1 && assignments[0][1] !== null) after = (await store.set(assignments[0][0], assignments[0][1], options))?.id
      else {
        const commit = await store.batch(tx => {
          for (const [path, value] of assignments) value === null ? tx.remove(path) : tx.set(path, value)
        }, options)
        after = commit?.id ?? before
      }
      await recordContentsTypes(repo, globals, assignments.filter(([, value]) => value !== null).map(([path]) => path))
      return { before, after }
    })
    writeResult(ctx.out, moved)
  },
}
