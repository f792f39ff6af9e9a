import { type CommitInfo, topologicalOrder } from '../../index.js'
import { integerOption } from '../args.js'
import { booleanOption, type Command, stringOption } from '../command.js'
import { UsageError } from '../errors.js'
import { commitJson, mediumFormat, onelineFormat } from '../format/commit.js'
import { drawGraph } from '../format/graph.js'
import { patchLines } from '../format/patch.js'
import { commitPatches, type FilePatch, patchJson } from '../store/changes.js'
import { withStoreOrServer } from '../store/open.js'
import { resolveCommit } from '../store/resolve.js'

export const log: Command = {
  name: 'log',
  usage: '[REVISION] [-n N | -N] [-p] [--oneline] [--graph] [--all]',
  summary: 'show the history of --branch (or of REVISION), newest first',
  description: [
    'Shows the commits behind the head of --branch, or REVISION (main~2, HEAD^2, an id), or every',
    'branch with --all, newest first, as git log --date-order does (never a commit before its',
    'children); -p adds what each commit changed against its first parent (merges show none, as in',
    'git log -p); --graph draws the lines of history beside them as git log --graph --date-order does.',
  ].join('\n'),
  options: {
    'max-count': { type: 'string', short: 'n', value: 'N', help: 'show at most N commits (-N too, as in git: log -3)' },
    patch: { type: 'boolean', short: 'p', help: 'what each commit changed, as line diffs' },
    oneline: { type: 'boolean', help: 'one line per commit: short id, branch names and subject' },
    graph: { type: 'boolean', help: 'draw the commit graph' },
    all: { type: 'boolean', help: 'the history of every branch' },
  },
  args: [0, 1],
  async run(ctx) {
    const { globals, out, args } = ctx
    const countText = stringOption(ctx, 'max-count')
    const limit = countText === undefined ? undefined : integerOption('max-count', countText, 0, Number.MAX_SAFE_INTEGER)
    const graph = booleanOption(ctx, 'graph')
    const withPatch = booleanOption(ctx, 'patch')
    if (graph && withPatch) throw new UsageError('log --graph does not draw patches: use one of --graph and -p')
    if (args.length > 0 && booleanOption(ctx, 'all')) throw new UsageError('log takes a REVISION or --all, not both')
    const { commits, labels, patches } = await withStoreOrServer(globals, async ({ repo }) => {
      const names = await repo.branches()
      const heads = await Promise.all(names.map(name => repo.branch(name).headId()))
      const labels = new Map<string, string[]>()
      names.forEach((name, i) => labels.set(heads[i]!, [...(labels.get(heads[i]!) ?? []), name]))
      const from = booleanOption(ctx, 'all') ? (heads as string[]) : [await resolveCommit(repo, args[0] ?? 'HEAD', globals.branch)]
      let commits: CommitInfo[] = []
      // A graph needs every child before its parents, even under clock skew: the whole walk first.
      for await (const commit of repo.history(from, { limit: graph ? undefined : limit })) commits.push(commit)
      if (graph) commits = topologicalOrder(commits).slice(0, limit)
      const patches = new Map<string, FilePatch[]>()
      if (withPatch) for (const c of commits) patches.set(c.id, c.parents.length > 1 ? [] : await commitPatches(repo, c))
      return { commits, labels, patches }
    })
    const oneline = booleanOption(ctx, 'oneline')
    const decorate = (commit: CommitInfo): string[] => {
      const lines = oneline ? onelineFormat(commit) : mediumFormat(commit)
      const names = labels.get(commit.id)
      if (!names) return lines
      const [first, ...rest] = lines
      const [id, ...words] = first.split(' ')
      return [oneline ? [id, `(${names.join(', ')})`, ...words].join(' ') : `${first} (${names.join(', ')})`, ...rest]
    }
    const withChanges = (commit: CommitInfo): string[] => {
      const patch = patchLines(patches.get(commit.id) ?? [])
      return [...decorate(commit), ...patch, ...(patch.length > 0 && !oneline ? [''] : [])]
    }
    const json = commits.map(c => ({ ...commitJson(c), ...(withPatch ? { changes: (patches.get(c.id) ?? []).map(patchJson) } : {}) }))
    out.result(json, () => {
      const lines = graph ? drawGraph(commits.map(c => ({ id: c.id, parents: c.parents, lines: decorate(c) }))) : commits.flatMap(withChanges)
      // The medium format ends each commit with a blank line, which only separates commits.
      while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
      return lines
    })
  },
}
