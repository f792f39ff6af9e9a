import { addRemote, detectRemoteKind, listRemotes, removeRemote } from '../../sync/index.js'
import type { Command } from '../command.js'
import { UsageError } from '../errors.js'
import { withStore } from '../store/open.js'

export const remote: Command = {
  name: 'remote',
  usage: 'list | add NAME URL | remove NAME',
  summary: 'the remotes this store remembers (clone adds "origin")',
  description: [
    'remote list prints each remembered remote: its name, URL, and how it was cloned (a filter, and',
    '"lazy" when values are fetched on first read, "git" for a git server). remote add NAME URL',
    'remembers a remote (finding out whether it is a git server), so fetch, pull and push can name it. remote remove NAME forgets it and its remote-tracking refs.',
  ].join('\n'),
  args: [1, 3],
  async run({ globals, args, out }) {
    const [action, name, url] = args
    if (action === 'list' && args.length === 1) {
      const remotes = await withStore(globals, ({ repo }) => listRemotes(repo))
      return out.result(remotes, list =>
        list.map(r => [r.name, r.url, r.filter, r.lazy ? 'lazy' : undefined, r.kind].filter(part => part !== undefined).join('\t')),
      )
    }
    if (action === 'add' && args.length === 3) {
      if (!/^https?:\/\//.test(url)) throw new UsageError(`a remote's URL is http:// or https://, got "${url}"`)
      const kind = await detectRemoteKind(url)
      await withStore(globals, ({ repo }) => addRemote(repo, { name, url, ...(kind === 'git' && { kind }) }))
      return out.result({ name, url, kind }, r => `remote ${r.name} → ${r.url}${r.kind === 'git' ? ' (git)' : ''}`)
    }
    if (action === 'remove' && args.length === 2) {
      await withStore(globals, ({ repo }) => removeRemote(repo, name))
      return out.result({ removed: name }, r => `removed remote ${r.removed}`)
    }
    throw new UsageError('usage: irmin remote list | remote add NAME URL | remote remove NAME')
  },
}
