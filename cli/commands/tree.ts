import { formatPath, NotFoundError } from '../../index.js'
import type { Command } from '../command.js'
import { parsePathArgument } from '../paths.js'
import { readableBranch } from '../store/branches.js'
import { withStoreOrServer } from '../store/open.js'
import { displayValue, jsonValues, readable } from '../values.js'

export const tree: Command = {
  name: 'tree',
  usage: '[PATH]',
  summary: 'print every value under PATH (default: the root), recursively',
  description: 'Prints each path under PATH on --branch with its value, one a line, like Irmin\'s tree command.\nLong values are shortened; --json gives them whole.',
  args: [0, 1],
  async run({ globals, args, out }) {
    const path = parsePathArgument(args[0] ?? '')
    const found = await withStoreOrServer(globals, async ({ repo }) => {
      const tree = await (await readableBranch(repo, globals.branch)).tree()
      const kind = await tree.kind(path)
      if (kind === undefined) throw new NotFoundError(formatPath(path))
      if (kind === 'file') return [[formatPath(path), await tree.get(path)] as const]
      const values: Array<readonly [string, Uint8Array]> = []
      for await (const [at, bytes] of tree.walk(path)) values.push([formatPath(at), bytes])
      return values
    })
    out.result(
      found.map(([at, bytes]) => ({ path: at, ...jsonValues({ value: bytes }, globals.contents) })),
      () => dotted(found.map(([at, bytes]) => [at, displayValue(readable(bytes, globals.contents), 100)])),
    )
  },
}

/** `path ...... value`, the values aligned in one column. */
function dotted(values: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(0, ...values.map(([path]) => path.length))
  return values.map(([path, value]) => `${path} ${'.'.repeat(width - path.length + 3)} ${value}`)
}
