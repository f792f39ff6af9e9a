import { compareNames, formatPath, NotFoundError } from '../../index.js'
import type { Command } from '../command.js'
import { parsePathArgument } from '../paths.js'
import { directoryEntries, entryKind } from '../store/objects.js'
import { readableBranch } from '../store/branches.js'
import { withStoreOrServer } from '../store/open.js'

export const list: Command = {
  name: 'list',
  usage: '[PATH]',
  summary: 'list the entries of the directory at PATH (default: the root)',
  description: 'Prints the names under PATH on --branch, one a line; directories end with "/".',
  args: [0, 1],
  async run({ globals, args, out }) {
    const path = parsePathArgument(args[0] ?? '')
    const entries = await withStoreOrServer(globals, async ({ repo }) => {
      const head = await (await readableBranch(repo, globals.branch)).head()
      if (head === undefined) {
        if (path.length > 0) throw new NotFoundError(formatPath(path))
        return []
      }
      return directoryEntries(repo, head.tree, path)
    })
    const listed = entries.map(e => ({ name: e.name, kind: entryKind(e.mode), id: e.id })).sort((a, b) => compareNames(a.name, b.name))
    out.result(listed, all => all.map(e => (e.kind === 'dir' ? `${e.name}/` : e.name)))
  },
}
