import { validateBranchName } from '../../index.js'
import { booleanOption, type Command, stringOption } from '../command.js'
import { COMMIT_OPTIONS, commitOptions } from '../commit-options.js'
import { CONFLICT_OPTIONS, conflictResolution } from '../conflict-options.js'
import { conflictJson, conflictLine, reportingConflicts } from '../format/conflicts.js'
import { mergingContents } from '../merge-rule.js'
import { type ContentsTypes, contentsFor, readContentsTypes } from '../store/contents-types.js'
import { withStore } from '../store/open.js'
import { branchHead, resolveCommit } from '../store/resolve.js'

export const merge: Command = {
  name: 'merge',
  usage: 'FROM [--into BRANCH] [-m MSG] [--author AUTHOR] [--conflicts HOW] [--no-ff]',
  summary: 'merge FROM into a branch: fast-forward, or a merge commit',
  description: [
    'Merges FROM (a branch, a commit id or a unique prefix of one) into --into (default --branch),',
    'as git merge does: when the branch already contains FROM nothing happens; when it is behind',
    'FROM it moves forward (unless --no-ff); otherwise a merge commit with two parents holds the',
    'three-way merge against the common ancestor. Values changed on both sides merge by the rule',
    'of --contents: counter adds both increments, json merges objects key by key, set, multiset and',
    'log keep both sides\' changes, lww keeps the later write; string and bytes only merge where',
    'one side left a value alone. Conflicts (default --conflicts fail) are listed on stderr, one',
    'per line with the path, kind and reason; nothing changes and the exit status is 1.',
  ].join('\n'),
  options: {
    into: { type: 'string', value: 'BRANCH', help: 'the branch to merge into (default --branch)' },
    ...COMMIT_OPTIONS,
    ...CONFLICT_OPTIONS,
    'no-ff': { type: 'boolean', help: 'make a merge commit even where the branch could fast-forward' },
  },
  args: [1, 1],
  async run(ctx) {
    const { globals, args, out } = ctx
    const from = args[0]
    const into = stringOption(ctx, 'into') ?? globals.branch
    validateBranchName(into)
    const conflicts = conflictResolution(ctx)
    const options = { ...(await commitOptions(ctx)), conflicts, fastForward: !booleanOption(ctx, 'no-ff') }
    const types: ContentsTypes = {}
    const outcome = await reportingConflicts(`merge of ${from} into ${into}`, globals.contents, { ours: into, theirs: from }, () =>
      withStore(
        globals,
        async ({ repo }) => {
          Object.assign(types, await readContentsTypes(repo))
          await branchHead(repo, into)
          if ((await repo.branches()).includes(from)) return repo.merge(from, { ...options, into })
          return repo.branch(into).mergeWithCommit(await resolveCommit(repo, from, globals.branch), options)
        },
        mergingContents(globals.contents, path => contentsFor(globals, types, path)),
      ),
    )
    for (const conflict of outcome.conflicts) out.note(`resolved ${conflictLine(conflict)} as ${conflicts}`)
    const result = {
      kind: outcome.kind,
      from,
      into,
      commit: outcome.head.id,
      parents: outcome.head.parents,
      conflicts: outcome.conflicts.map(conflict => conflictJson(conflict, globals.contents)),
    }
    out.result(result, r => {
      if (r.kind === 'up-to-date') return `already up to date: ${into} contains ${from}`
      if (r.kind === 'fast-forward') return `fast-forward: ${into} is now at ${r.commit}`
      return `merged ${from} into ${into}: ${r.commit}`
    })
  },
}
