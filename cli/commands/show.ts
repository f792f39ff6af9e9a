import { booleanOption, type Command } from '../command.js'
import { commitJson, mediumFormat } from '../format/commit.js'
import { patchLines } from '../format/patch.js'
import { commitPatches, patchJson } from '../store/changes.js'
import { withStoreOrServer } from '../store/open.js'
import { resolveCommit } from '../store/resolve.js'

export const show: Command = {
  name: 'show',
  usage: '[COMMIT] [-s]',
  summary: 'show a commit: author, date, message, parents and what it changed',
  description: [
    'Prints the commit (default HEAD, the head of --branch) as git show does: its id, the parents of',
    'a merge, author, date and full message, then what it changed against its first parent as a',
    'git diff: line diffs for text, "Binary files ... differ" for binary data. A root commit shows',
    'everything it added. COMMIT is a revision: main, HEAD~2, main^2, a commit id or prefix.',
  ].join('\n'),
  options: { 'no-patch': { type: 'boolean', short: 's', help: 'only the commit, not what it changed' } },
  args: [0, 1],
  async run(ctx) {
    const { globals, args, out } = ctx
    const withPatch = !booleanOption(ctx, 'no-patch')
    const { commit, patches } = await withStoreOrServer(globals, async ({ repo }) => {
      const commit = await repo.readCommit(await resolveCommit(repo, args[0] ?? 'HEAD', globals.branch))
      return { commit, patches: withPatch ? await commitPatches(repo, commit) : [] }
    })
    out.result({ ...commitJson(commit), ...(withPatch ? { changes: patches.map(patchJson) } : {}) }, () => {
      const lines = mediumFormat(commit)
      if (patches.length === 0) lines.pop()
      return [...lines, ...patchLines(patches)]
    })
  },
}
