import { formatPath } from '../../index.js'
import type { Command } from '../command.js'
import { withStore } from '../store/open.js'
import { resolveCommit } from '../store/resolve.js'
import { displayValue, jsonValues, readable } from '../values.js'

const MARK = { added: '+', removed: '-', updated: '*' } as const

export const diff: Command = {
  name: 'diff',
  usage: 'A B',
  summary: 'show what changed from commit A to commit B',
  description: [
    'Lists the paths that differ between A and B, each a branch name, a commit id or a unique',
    'prefix of one: "+ PATH VALUE" added in B, "- PATH VALUE" removed, "* PATH BEFORE → AFTER" updated.',
  ].join('\n'),
  args: [2, 2],
  async run({ globals, args, out }) {
    const { a, b, changes } = await withStore(globals, async ({ repo }) => {
      const [a, b] = [await resolveCommit(repo, args[0]), await resolveCommit(repo, args[1])]
      const [ta, tb] = await Promise.all([a, b].map(async id => repo.treeOf((await repo.readCommit(id)).tree)))
      return { a, b, changes: await ta.diff(tb) }
    })
    const shown = (bytes: Uint8Array, max: number) => displayValue(readable(bytes, globals.contents), max)
    out.result(
      {
        a,
        b,
        changes: changes.map(c => ({ path: formatPath(c.path), kind: c.kind, ...jsonValues({ before: c.before, after: c.after }, globals.contents) })),
      },
      () =>
        changes.map(c => {
          const values = c.kind === 'updated' ? `${shown(c.before!, 60)} → ${shown(c.after!, 60)}` : shown((c.after ?? c.before)!, 100)
          return `${MARK[c.kind]} ${formatPath(c.path)} ${values}`
        }),
    )
  },
}
