import type { Command } from '../command.js'
import { withStoreOrServer } from '../store/open.js'
import { branchHead } from '../store/resolve.js'

export const snapshot: Command = {
  name: 'snapshot',
  usage: '',
  summary: 'print the id of the head commit of --branch',
  description: 'Prints the commit id at the head of --branch: a name for this state of the store that diff,\nexport, branch create and the inspector accept.',
  args: [0, 0],
  async run({ globals, out }) {
    const head = await withStoreOrServer(globals, ({ repo }) => branchHead(repo, globals.branch))
    out.result({ branch: globals.branch, commit: head }, result => result.commit)
  },
}
