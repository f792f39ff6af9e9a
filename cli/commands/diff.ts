import { formatPath } from '../../index.js'
import { booleanOption, type Command } from '../command.js'
import { patchLines } from '../format/patch.js'
import { patchOf, treeChanges } from '../store/changes.js'
import { withStoreOrServer } from '../store/open.js'
import { resolveCommit } from '../store/resolve.js'
import { displayValue, jsonValues, readable } from '../values.js'

const MARK = { added: '+', removed: '-', updated: '*' } as const

export const diff: Command = {
  name: 'diff',
  usage: 'A [B] [--oneline]',
  summary: 'show what changed from commit A to commit B (default: the head of --branch)',
  description: [
    'Prints what changed from A to B as git diff does: for each file a "diff --git" header, then the',
    'changed lines of text with 3 lines of context (unified format), or "Binary files ... differ".',
    'A and B are revisions: main, HEAD~2, main^2, a commit id or a unique prefix of one; B defaults',
    'to HEAD, the head of --branch. --oneline prints one line per path instead: "+ PATH VALUE"',
    'added in B, "- PATH VALUE" removed, "* PATH BEFORE → AFTER" updated (values shortened).',
  ].join('\n'),
  options: { oneline: { type: 'boolean', help: 'one line per changed path, with its values shortened' } },
  args: [1, 2],
  async run(ctx) {
    const { globals, args, out } = ctx
    const oneline = booleanOption(ctx, 'oneline')
    const { a, b, changes, patches } = await withStoreOrServer(globals, async ({ repo }) => {
      const [a, b] = [await resolveCommit(repo, args[0], globals.branch), await resolveCommit(repo, args[1] ?? 'HEAD', globals.branch)]
      const [ca, cb] = [await repo.readCommit(a), await repo.readCommit(b)]
      const changes = out.json || oneline ? await repo.treeOf(ca.tree).diff(repo.treeOf(cb.tree)) : []
      const patches = []
      if (!oneline) for (const change of await treeChanges(repo, ca.tree, cb.tree)) patches.push(await patchOf(repo, change))
      return { a, b, changes, patches }
    })
    const shown = (bytes: Uint8Array, max: number) => displayValue(readable(bytes, globals.contents), max)
    const byPath = new Map(patches.map(p => [p.path, p]))
    out.result(
      {
        a,
        b,
        changes: changes.map(c => {
          const patch = byPath.get(formatPath(c.path))
          return {
            path: formatPath(c.path),
            kind: c.kind,
            ...jsonValues({ before: c.before, after: c.after }, globals.contents),
            ...(patch?.hunks ? { hunks: patch.hunks } : patch?.binary ? { binary: patch.binary } : {}),
          }
        }),
      },
      () =>
        oneline
          ? changes.map(c => {
              const values = c.kind === 'updated' ? `${shown(c.before!, 60)} → ${shown(c.after!, 60)}` : shown((c.after ?? c.before)!, 100)
              return `${MARK[c.kind]} ${formatPath(c.path)} ${values}`
            })
          : patchLines(patches),
    )
  },
}
