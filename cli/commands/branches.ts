import type { Command } from '../command.js'
import { withStoreOrServer } from '../store/open.js'
import { shortId } from '../format/commit.js'

export const branches: Command = {
  name: 'branches',
  usage: '',
  summary: 'list the branches with their heads',
  description: 'Lists every branch and its head commit; "*" marks --branch.',
  args: [0, 0],
  async run({ globals, out }) {
    const all = await withStoreOrServer(globals, async ({ repo }) => {
      const names = await repo.branches()
      return Promise.all(names.map(async name => ({ name, head: (await repo.branch(name).headId())! })))
    })
    out.result(all, list => list.map(b => `${b.name === globals.branch ? '*' : ' '} ${b.name.padEnd(Math.max(...list.map(x => x.name.length)))}  ${shortId(b.head)}`))
  },
}
