import { mkdirSync } from 'node:fs'
import { basename } from 'node:path'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import type { ApiInfo } from '../../web/inspector/api-types.js'
import { integerOption } from '../args.js'
import { booleanOption, type Command, type GlobalOptions, stringOption } from '../command.js'
import { NoStoreError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import { seedExample } from '../seed.js'
import { isLoopback } from '../server/host-guard.js'
import { startServer } from '../server/http.js'
import { locateStore } from '../store/locate.js'
import { createStore, openStore } from '../store/open.js'
import { removeServerNote, writeServerNote } from '../store/server-note.js'

export const serve: Command = {
  name: 'serve',
  usage: '[--port PORT] [--host HOST] [--example]',
  summary: 'serve the store over HTTP: a JSON API and the web inspector',
  description: [
    'Serves the store read-only over HTTP until interrupted (Ctrl-C, SIGTERM; then exits 0): the',
    'web inspector at / (branches, the commit graph, trees, values, diffs) and a JSON API:',
    '  GET /api/branches                                    branches and their heads',
    '  GET /api/commit/COMMIT                               one commit',
    '  GET /api/history?branch=NAME&limit=N&after=ID        a page of history (all branches without branch)',
    '  GET /api/tree/COMMIT/PATH                            entries of a directory: name, kind, mode, id',
    '  GET /api/value/COMMIT/PATH[?raw]                     a value: JSON (text, or base64), or the raw bytes',
    '  GET /api/diff/A/B                                    the changes from A to B',
    'COMMIT is a branch, a commit id or a unique prefix (percent-encode "/" in branch names).',
    'Only requests addressed to localhost, 127.0.0.1, [::1] or --host, with the port, are answered',
    '(421 otherwise: a guard against DNS rebinding). --host other than loopback prints a warning: no',
    'token guards the API yet. Errors are 4xx/5xx JSON { "error", "code" }. Values are served as bytes: --contents does not apply.',
    '',
    'While it runs, serve owns a LevelDB store: it writes its pid and URL to ROOT/serve.json so that',
    'other commands can say who holds the store. --backend memory serves a store that lives only in',
    'this process (with --example, filled with example history).',
  ].join('\n'),
  options: {
    port: { type: 'string', value: 'PORT', help: 'the port to listen on (default 8080; 0 picks a free one)' },
    host: { type: 'string', value: 'HOST', help: 'the address to listen on (default 127.0.0.1)' },
    example: { type: 'boolean', help: 'when there is no store yet (or with --backend memory), create one holding example history' },
  },
  args: [0, 0],
  async run(ctx) {
    const { globals, out } = ctx
    const port = integerOption('port', stringOption(ctx, 'port') ?? '8080', 0, 65535)
    const host = stringOption(ctx, 'host') ?? '127.0.0.1'
    const served = await openServed(globals, booleanOption(ctx, 'example'))
    if (served.created) out.note(`created ${served.root ?? 'a memory store'} with example history`)
    // Until tokens guard the API (the sync work adds them), anyone who can reach the port reads the store.
    if (!isLoopback(host)) out.note(`warning: --host ${host} lets every machine that reaches it read the whole store; nothing guards it yet`)
    const interrupt = onInterrupt()
    try {
      const server = await startServer(served.repo, served.info, { host, port, onError: error => out.error(error, globals.debug) })
      const { root } = served
      if (root !== null) writeServerNote(root, { pid: process.pid, url: server.url })
      try {
        const where = root === null ? 'a memory store' : `${root} (${served.info.backend})`
        out.result({ url: server.url, pid: process.pid, backend: served.info.backend, root }, r => `irmin serve: ${where} at ${r.url}`)
        out.note('Ctrl-C stops the server')
        await interrupt.signalled
      } finally {
        if (root !== null) removeServerNote(root, process.pid)
        await server.close()
      }
    } finally {
      interrupt.dispose()
      await served.repo.close()
    }
  },
}

interface Served {
  repo: Repo<Uint8Array>
  info: ApiInfo
  /** The store directory; null for a memory store. */
  root: string | null
  /** Whether the example history was written just now. */
  created: boolean
}

async function openServed(globals: GlobalOptions, example: boolean): Promise<Served> {
  if (globals.backend === 'memory') {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    if (example) await seedExample(repo)
    return { repo, info: { backend: 'memory', name: null }, root: null, created: example }
  }
  const { root } = globals
  if (locateStore(root) === 'none') {
    if (!example) throw new NoStoreError(root)
    mkdirSync(root, { recursive: true })
    const store = await createStore(root, globals.backend ?? 'level')
    await seedExample(store.repo)
    return { repo: store.repo, info: { backend: store.backend, name: basename(root) }, root, created: true }
  }
  const store = await openStore(globals)
  return { repo: store.repo, info: { backend: store.backend, name: basename(root) }, root, created: false }
}
