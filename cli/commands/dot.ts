import { writeFileSync } from 'node:fs'
import type { CommitInfo } from '../../index.js'
import type { Command } from '../command.js'
import { firstLine, shortId } from '../format/commit.js'
import { withStore } from '../store/open.js'

export const dot: Command = {
  name: 'dot',
  usage: 'FILE',
  summary: 'write the history of every branch as a Graphviz graph to FILE (- for stdout)',
  description: 'Writes a Graphviz digraph of the commits of every branch: one node per commit, an edge to each\nparent, and a box per branch pointing at its head. Render it with: dot -Tsvg FILE > history.svg',
  args: [1, 1],
  async run({ globals, args, out }) {
    const { commits, heads } = await withStore(globals, async ({ repo }) => {
      const names = await repo.branches()
      const heads = await Promise.all(names.map(async name => [name, (await repo.branch(name).headId())!] as const))
      const commits: CommitInfo[] = []
      for await (const commit of repo.history(heads.map(([, id]) => id))) commits.push(commit)
      return { commits, heads }
    })
    const text = graphviz(commits, heads)
    if (args[0] === '-') return out.raw(new TextEncoder().encode(text))
    writeFileSync(args[0], text)
    out.result({ file: args[0], commits: commits.length, branches: heads.length }, r => `wrote ${r.commits} commits and ${r.branches} branches to ${r.file}`)
  },
}

function graphviz(commits: readonly CommitInfo[], heads: ReadonlyArray<readonly [string, string]>): string {
  const lines = ['digraph history {', '  rankdir=TB;', '  node [shape=ellipse, fontname="monospace", fontsize=10];']
  for (const c of commits) lines.push(`  "${c.id}" [label=${quote(`${shortId(c.id)}\n${firstLine(c.message)}`)}];`)
  for (const c of commits) for (const parent of c.parents) lines.push(`  "${c.id}" -> "${parent}";`)
  for (const [name, id] of heads) {
    lines.push(`  ${quote(`branch:${name}`)} [label=${quote(name)}, shape=box, style=filled, fillcolor="#dbeafe"];`)
    lines.push(`  ${quote(`branch:${name}`)} -> "${id}" [style=dashed];`)
  }
  lines.push('}', '')
  return lines.join('\n')
}

function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, c => `\\${c}`).replace(/\n/g, '\\n')}"`
}
