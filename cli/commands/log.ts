import { type CommitInfo, topologicalOrder } from '../../index.js'
import { integerOption } from '../args.js'
import { booleanOption, type Command, stringOption } from '../command.js'
import { commitJson, mediumFormat, onelineFormat } from '../format/commit.js'
import { drawGraph } from '../format/graph.js'
import { withStore } from '../store/open.js'
import { branchHead } from '../store/resolve.js'

export const log: Command = {
  name: 'log',
  usage: '[-n N] [--oneline] [--graph] [--all]',
  summary: 'show the history of --branch, newest first',
  description: 'Shows the commits behind the head of --branch (or of every branch, with --all), newest first,\nas git log --date-order does (never a commit before its children); --graph draws the lines of\nhistory beside them as git log --graph --date-order does.',
  options: {
    'max-count': { type: 'string', short: 'n', value: 'N', help: 'show at most N commits' },
    oneline: { type: 'boolean', help: 'one line per commit: short id, branch names and subject' },
    graph: { type: 'boolean', help: 'draw the commit graph' },
    all: { type: 'boolean', help: 'the history of every branch' },
  },
  args: [0, 0],
  async run(ctx) {
    const { globals, out } = ctx
    const countText = stringOption(ctx, 'max-count')
    const limit = countText === undefined ? undefined : integerOption('max-count', countText, 0, Number.MAX_SAFE_INTEGER)
    const graph = booleanOption(ctx, 'graph')
    const { commits, labels } = await withStore(globals, async ({ repo }) => {
      const names = await repo.branches()
      const heads = await Promise.all(names.map(name => repo.branch(name).headId()))
      const labels = new Map<string, string[]>()
      names.forEach((name, i) => labels.set(heads[i]!, [...(labels.get(heads[i]!) ?? []), name]))
      const from = booleanOption(ctx, 'all') ? (heads as string[]) : [await branchHead(repo, globals.branch)]
      const commits: CommitInfo[] = []
      // A graph needs every child before its parents, even under clock skew: the whole walk first.
      for await (const commit of repo.history(from, { limit: graph ? undefined : limit })) commits.push(commit)
      return { commits: graph ? topologicalOrder(commits).slice(0, limit) : commits, labels }
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
    out.result(commits.map(commitJson), () => {
      const lines = graph ? drawGraph(commits.map(c => ({ id: c.id, parents: c.parents, lines: decorate(c) }))) : commits.flatMap(decorate)
      // The medium format ends each commit with a blank line, which only separates commits.
      while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
      return lines
    })
  },
}
