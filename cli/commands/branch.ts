import type { Command } from '../command.js'
import { UsageError } from '../errors.js'
import { withStore } from '../store/open.js'
import { branchHead, resolveCommit } from '../store/resolve.js'

export const branch: Command = {
  name: 'branch',
  usage: 'create NAME [FROM] | delete NAME',
  summary: 'create a branch (at FROM, default the head of --branch) or delete one',
  description: [
    'branch create NAME [FROM]  makes NAME point at FROM: a branch, a commit id or a unique prefix',
    '                           of one (default: the head of --branch). NAME must not exist.',
    'branch delete NAME         deletes the branch NAME; its commits stay until garbage collection.',
  ].join('\n'),
  args: [2, 3],
  async run({ globals, args, out }) {
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
      await withStore(globals, ({ repo }) => repo.deleteBranch(name))
      return out.result({ branch: name, deleted: true }, () => `deleted branch ${name}`)
    }
    throw new UsageError(`unknown branch action "${action}": use branch create NAME [FROM] or branch delete NAME`)
  },
}
