import { formatPath, NotFoundError } from '../../index.js'
import { booleanOption, type Command } from '../command.js'
import { COMMIT_OPTIONS, commitOptions, CREATE_OPTION } from '../commit-options.js'
import { writableBranch } from '../store/branches.js'
import { parseValuePath } from '../paths.js'
import { withStoreOrServer } from '../store/open.js'
import { writeResult } from './write-result.js'

export const remove: Command = {
  name: 'remove',
  usage: 'PATH [-m MSG] [--author AUTHOR]',
  summary: 'remove the value or directory at PATH in a new commit',
  description: 'Removes PATH (a value, or a directory and everything under it) on --branch in one commit and\nprints the commit id. A missing PATH prints "not found: PATH" and exits 1.',
  options: { ...COMMIT_OPTIONS, ...CREATE_OPTION },
  args: [1, 1],
  async run(ctx) {
    const { globals, args } = ctx
    const path = parseValuePath(args[0])
    const options = await commitOptions(ctx, `remove ${formatPath(path)}`)
    const moved = await withStoreOrServer(globals, async ({ repo }) => {
      const store = await writableBranch(repo, globals.branch, booleanOption(ctx, 'create'))
      const before = await store.headId()
      if ((await store.kind(path)) === undefined) throw new NotFoundError(formatPath(path))
      return { before, after: (await store.remove(path, options))?.id }
    })
    writeResult(ctx.out, moved)
  },
}
