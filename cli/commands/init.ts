import { mkdirSync } from 'node:fs'
import type { Command } from '../command.js'
import { BackendMismatchError, UsageError } from '../errors.js'
import { locateStore } from '../store/locate.js'
import { createStore, MEMORY_DOES_NOT_PERSIST } from '../store/open.js'

export const init: Command = {
  name: 'init',
  usage: '',
  summary: 'create a store at --root (--backend level, the default, or git)',
  description: [
    'Creates an empty store at --root: a LevelDB database (--backend level, the default) or a bare',
    'git repository (--backend git) that git itself can read: git log, git show HEAD:PATH.',
    'Later commands detect the backend from the directory. Running init on an existing store of',
    'the same backend changes nothing.',
  ].join('\n'),
  args: [0, 0],
  async run({ globals, out }) {
    if (globals.backend === 'memory') throw new UsageError(MEMORY_DOES_NOT_PERSIST)
    const { root } = globals
    const found = locateStore(root)
    const backend = globals.backend ?? (found === 'none' ? 'level' : found)
    if (found !== 'none' && found !== backend) throw new BackendMismatchError(root, found, backend)
    if (found === 'none') {
      mkdirSync(root, { recursive: true })
      await (await createStore(root, backend)).close()
    }
    out.result({ root, backend, created: found === 'none' }, result =>
      result.created ? `created a ${backend} store in ${root}` : `${root} already holds a ${backend} store`,
    )
  },
}
