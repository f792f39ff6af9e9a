import { addRemote, listRemotes, removeRemote } from '../../sync/index.js'
import type { Command } from '../command.js'
import { UsageError } from '../errors.js'
import { withStore } from '../store/open.js'

export const remote: Command = {
  name: 'remote',
  usage: 'add NAME URL | list | remove NAME',
  summary: 'remember, list or forget remotes (stores served by irmin serve)',
  description: [
    'Remotes are kept in the store (refs/irmin/remotes). `remove` also deletes the remote-tracking',
    'refs refs/remotes/NAME/*. A clone remembers its source as "origin".',
  ].join('\n'),
  args: [1, 3],
  async run({ globals, args, out }) {
    const [action, name, url] = args
    await withStore(globals, async ({ repo }) => {
      if (action === 'list' && args.length === 1) {
        const remotes = await listRemotes(repo)
        return out.result(remotes, list => list.map(r => `${r.name}\t${r.url}${r.filter ? `\t(${r.filter}${r.lazy ? ', lazy' : ''})` : ''}`))
      }
      if (action === 'add' && args.length === 3) {
        await addRemote(repo, { name, url })
        return out.result({ added: name, url }, r => `added remote ${r.added}: ${r.url}`)
      }
      if (action === 'remove' && args.length === 2) {
        await removeRemote(repo, name)
        return out.result({ removed: name }, r => `removed remote ${r.removed}`)
      }
      throw new UsageError('usage: irmin remote add NAME URL | list | remove NAME')
    })
  },
}
