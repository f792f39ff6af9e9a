import { booleanOption, type Command } from '../command.js'
import { BranchInUseError, UsageError } from '../errors.js'
import { shortId } from '../format/commit.js'
import { withStore } from '../store/open.js'
import { branchHead, resolveCommit } from '../store/resolve.js'

export const branch: Command = {
  name: 'branch',
  usage: 'create NAME [FROM] | delete NAME [--force]',
  summary: 'create a branch (at FROM, default the head of --branch) or delete one',
  description: [
    'branch create NAME [FROM]  makes NAME point at FROM, a revision (default: the head of',
    '                           --branch). NAME must not exist.',
    'branch delete NAME         deletes the branch NAME and prints the head it had ("was ID"); its',
    '                           commits stay until garbage collection. The branch --branch names',
    '                           (main by default) and the last branch are kept unless --force.',
  ].join('\n'),
  options: { force: { type: 'boolean', short: 'f', help: 'delete even the branch --branch names, or the last branch' } },
  args: [2, 3],
  async run(ctx) {
    const { globals, args, out } = ctx
    const [action, name, from] = args
    if (action === 'create') {
      const head = await withStore(globals, async ({ repo }) => {
        const target = from === undefined ? await branchHead(repo, globals.branch) : await resolveCommit(repo, from, globals.branch)
        await repo.createBranch(name, target)
        return target
      })
      return out.result({ branch: name, head, created: true }, () => `created branch ${name} at ${head}`)
    }
    if (action === 'delete') {
      if (from !== undefined) throw new UsageError(`too many arguments for irmin branch delete: ${from} (usage: irmin branch delete NAME)`)
      const force = booleanOption(ctx, 'force')
      const was = await withStore(globals, async ({ repo }) => {
        const branches = await repo.branches()
        if (!force && branches.includes(name)) {
          if (name === globals.branch) throw new BranchInUseError(`cannot delete branch ${name}: --branch names it (give --branch another branch, or --force)`)
          if (branches.length === 1) throw new BranchInUseError(`cannot delete branch ${name}: it is the last branch, and its history would go at the next gc (--force deletes it)`)
        }
        return repo.deleteBranch(name)
      })
      return out.result({ branch: name, deleted: true, was }, () => `deleted branch ${name} (was ${shortId(was)})`)
    }
    throw new UsageError(`unknown branch action "${action}": use branch create NAME [FROM] or branch delete NAME`)
  },
}
