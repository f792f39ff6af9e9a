import type { Command } from '../command.js'
import { COMMIT_OPTIONS, commitOptions } from '../commit-options.js'
import { CONFLICT_OPTIONS, conflictResolution } from '../conflict-options.js'
import { reportingConflicts } from '../format/conflicts.js'
import { mergingContents } from '../merge-rule.js'
import { type ContentsTypes, contentsFor, readContentsTypes } from '../store/contents-types.js'
import { withStore } from '../store/open.js'
import { branchHead, resolveCommit } from '../store/resolve.js'
import { writeResult } from './write-result.js'

export const revert: Command = {
  name: 'revert',
  usage: 'COMMIT [-m MSG] [--author AUTHOR] [--conflicts HOW]',
  summary: 'undo what COMMIT did, in a new commit on --branch',
  description: [
    'Makes a commit on --branch that undoes the changes COMMIT (a branch, a commit id or a unique',
    'prefix of one) made to its first parent, as git revert does, and prints its id; later changes',
    'stay. Undoing merges by the rule of --contents (a counter loses the increment COMMIT made).',
    'Where later commits changed what COMMIT changed, the paths conflict, as for merge: they are',
    'listed on stderr, nothing changes and the exit status is 1, unless --conflicts resolves them.',
  ].join('\n'),
  options: { ...COMMIT_OPTIONS, ...CONFLICT_OPTIONS },
  args: [1, 1],
  async run(ctx) {
    const { globals, args } = ctx
    const conflicts = conflictResolution(ctx)
    const options = { ...(await commitOptions(ctx)), conflicts }
    const types: ContentsTypes = {}
    const moved = await reportingConflicts(`revert of ${args[0]}`, globals.contents, { ours: globals.branch, theirs: `revert of ${args[0]}` }, () =>
      withStore(
        globals,
        async ({ repo }) => {
          Object.assign(types, await readContentsTypes(repo))
          const before = await branchHead(repo, globals.branch)
          const id = await resolveCommit(repo, args[0], globals.branch)
          return { before, after: (await repo.branch(globals.branch).revert(id, options))?.id }
        },
        mergingContents(globals.contents, path => contentsFor(globals, types, path)),
      ),
    )
    writeResult(ctx.out, moved)
  },
}
