import { mkdirSync } from 'node:fs'
import type { Command } from '../command.js'
import { BackendMismatchError, UsageError } from '../errors.js'
import { locateStore } from '../store/locate.js'
import { createStore, MEMORY_DOES_NOT_PERSIST } from '../store/open.js'
import { databaseUrl, postgresFile, writePostgresRoot } from '../store/postgres-root.js'
import { stringOption } from '../command.js'
import { rmSync } from 'node:fs'

export const init: Command = {
  name: 'init',
  usage: '',
  summary: 'create a store at --root (--backend level, the default, git, or postgres --url URL)',
  description: [
    'Creates an empty store at --root: a LevelDB database (--backend level, the default) or a bare',
    'git repository (--backend git) that git itself can read: git log, git show HEAD:PATH.',
    'With --backend postgres --url postgres://USER:PASSWORD@HOST:PORT/DB (or $IRMIN_DATABASE_URL), the',
    'store lives in that PostgreSQL database (its tables are created on first use) and --root only',
    'remembers where (ROOT/postgres.json, readable by its owner only): many processes and machines',
    'may serve one such store at once.',
    'Later commands detect the backend from the directory. Running init on an existing store of',
    'the same backend changes nothing.',
  ].join('\n'),
  options: {
    url: { type: 'string', value: 'URL', help: 'with --backend postgres: the database (default $IRMIN_DATABASE_URL)' },
  },
  args: [0, 0],
  async run(ctx) {
    const { globals, out } = ctx
    if (globals.backend === 'memory') throw new UsageError(MEMORY_DOES_NOT_PERSIST)
    const { root } = globals
    const found = locateStore(root)
    const backend = globals.backend ?? (found === 'none' ? 'level' : found)
    if (found !== 'none' && found !== backend) throw new BackendMismatchError(root, found, backend)
    if (found === 'none') {
      mkdirSync(root, { recursive: true })
      if (backend === 'postgres') writePostgresRoot(root, { url: databaseUrl(stringOption(ctx, 'url')) })
      try {
        await (await createStore(root, backend)).close()
      } catch (error) {
        // Nothing is remembered of a database that could not be opened.
        if (backend === 'postgres') rmSync(postgresFile(root), { force: true })
        throw error
      }
    } else if (stringOption(ctx, 'url') !== undefined && found !== 'postgres') {
      throw new BackendMismatchError(root, found, 'postgres')
    }
    out.result({ root, backend, created: found === 'none' }, result =>
      result.created ? `created a ${backend} store in ${root}` : `${root} already holds a ${backend} store`,
    )
  },
}
