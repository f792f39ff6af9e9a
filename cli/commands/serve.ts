import { mkdirSync } from 'node:fs'
import { basename } from 'node:path'
import { type Contents as Codec, openMemoryBackend, Repo } from '../../index.js'
import type { ApiInfo } from '../../web/inspector/api-types.js'
import { integerOption } from '../args.js'
import { booleanOption, type Command, type GlobalOptions, stringOption } from '../command.js'
import { NoStoreError, UsageError } from '../errors.js'
import { onInterrupt } from '../interrupt.js'
import { seedExample } from '../seed.js'
import { isLoopback } from '../server/host-guard.js'
import { servedContents } from '../server/served-contents.js'
import { startServer } from '../server/http.js'
import { recordContentsType } from '../store/contents-types.js'
import { locateStore } from '../store/locate.js'
import { createStore, openStore } from '../store/open.js'
import { removeServerNote, writeServerNote } from '../store/server-note.js'

export const serve: Command = {
  name: 'serve',
  usage: '[--port PORT] [--host HOST] [--token T] [--read-token R] [--read-only] [--example]',
  summary: 'serve the store over HTTP: a JSON API and the web inspector',
  description: [
    'Serves the store over HTTP until interrupted (Ctrl-C, SIGTERM; then exits 0): the sync protocol',
    'under /sync/v1/ (sync/PROTOCOL.md: clone, fetch, push, events), git\'s smart HTTP under /git/',
    '(git clone/fetch/push http://HOST:PORT/git; the token as the password), and, read-only, the',
    'web inspector at / (branches, the commit graph, commits with their line diffs, files, path',
    'search; its state in the URL; branch moves shown live) and a JSON API:',
    '  GET /api/branches                                    branches and their heads',
    '  GET /api/commit/COMMIT                               one commit',
    '  GET /api/history?branch=NAME&limit=N&after=ID        a page of history (all branches without branch)',
    '  GET /api/tree/COMMIT/PATH                            entries of a directory: name, kind, mode, id',
    '  GET /api/value/COMMIT/PATH[?raw]                     a value: JSON (text, or base64), or the raw bytes',
    '  GET /api/diff/A/B                                    the changes from A to B (text with line diffs)',
    '  GET /api/changes/COMMIT                              what COMMIT changed against its first parent',
    '  GET /api/paths/COMMIT?q=TEXT                         the paths of COMMIT holding every word of TEXT',
    'COMMIT is a branch, a commit id or a unique prefix (percent-encode "/" in branch names).',
    'Only requests addressed to localhost, 127.0.0.1, [::1] or --host, with the port, are answered',
    '(421 otherwise: a guard against DNS rebinding). --token T guards writes (push needs',
    '"Authorization: Bearer T", or HTTP Basic with password T); --read-token R guards every route (R or T).',
    'Tokens are compared in constant time. Without --read-token, --host other than loopback prints a warning.',
    'Errors are 4xx/5xx JSON { "error", "code" }. Values are served as bytes: --contents does not apply.',
    '',
    'While it runs, serve owns a LevelDB store: it writes its pid and URL to ROOT/serve.json so that',
    'other commands can say who holds the store. A PostgreSQL store (init --backend postgres) may be',
    'served by many processes on many machines at once; with --read-only on a hot standby replica it',
    'serves reads, and refuses writes naming the primary. --backend memory serves a store that lives only in',
    'this process (with --example, filled with example history).',
  ].join('\n'),
  options: {
    port: { type: 'string', value: 'PORT', help: 'the port to listen on (default 8080; 0 picks a free one)' },
    host: { type: 'string', value: 'HOST', help: 'the address to listen on (default 127.0.0.1)' },
    token: { type: 'string', value: 'T', help: 'the token that pushes need (Authorization: Bearer T)' },
    'read-token': { type: 'string', value: 'R', help: 'a token that every request needs (R or the write token)' },
    'read-only': { type: 'boolean', help: 'refuse every write (pushes too): for a PostgreSQL read replica, or to serve a store for reading only' },
    example: { type: 'boolean', help: 'when there is no store yet (or with --backend memory), create one holding example history' },
  },
  args: [0, 0],
  async run(ctx) {
    const { globals, out } = ctx
    const port = integerOption('port', stringOption(ctx, 'port') ?? '8080', 0, 65535)
    const host = stringOption(ctx, 'host') ?? '127.0.0.1'
    const served = await openServed(globals, booleanOption(ctx, 'example'), booleanOption(ctx, 'read-only'))
    if (served.created) out.note(`created ${served.root ?? 'a memory store'} with example history`)
    const tokens = { write: tokenOption(ctx, 'token'), read: tokenOption(ctx, 'read-token') }
    if (!isLoopback(host) && tokens.read === undefined) out.note(`warning: --host ${host} lets every machine that reaches it read the whole store (--read-token guards reads)`)
    const interrupt = onInterrupt()
    try {
      const server = await startServer(served.repo, served.info, { host, port, tokens, onError: error => out.error(error, globals.debug) })
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
      await served.close()
    }
  },
}

/** A token option: absent, or a non-empty string (an empty token would guard nothing). */
function tokenOption(ctx: Parameters<Command['run']>[0], name: string): string | undefined {
  const value = stringOption(ctx, name)
  if (value === '') throw new UsageError(`--${name} needs a non-empty token`)
  return value
}

/** Where the comments book (web/comments/comment-store.ts) keeps its threads, on branch main. */
const COMMENTS_ROOT = 'comments'

interface Served {
  repo: Repo<Uint8Array>
  info: ApiInfo
  /** The store directory; null for a memory store. */
  root: string | null
  /** Whether the example history was written just now. */
  created: boolean
  close(): Promise<void>
}

async function openServed(globals: GlobalOptions, example: boolean, readOnly: boolean): Promise<Served> {
  const { contents, follow } = servedContents()
  const served = await openOrCreate(globals, example, readOnly, contents)
  // The comments book (/comments/) keeps its threads under `comments/` as logs: recorded, a push
  // that asks the server to merge takes both readers' entries instead of conflicting.
  if (!readOnly) await recordContentsType(served.repo, [COMMENTS_ROOT], 'log')
  const unfollow = await follow(served.repo)
  return { ...served, close: () => (unfollow(), served.repo.close()) }
}

async function openOrCreate(globals: GlobalOptions, example: boolean, readOnly: boolean, contents: Codec<Uint8Array>): Promise<Omit<Served, 'close'>> {
  if (globals.backend === 'memory') {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents })
    if (example) await seedExample(repo)
    return { repo, info: { backend: 'memory', name: null }, root: null, created: example }
  }
  const { root } = globals
  if (locateStore(root) === 'none') {
    if (!example) throw new NoStoreError(root)
    mkdirSync(root, { recursive: true })
    const store = await createStore(root, globals.backend ?? 'level', { contents })
    await seedExample(store.repo)
    return { repo: store.repo, info: { backend: store.backend, name: basename(root) }, root, created: true }
  }
  const store = await openStore(globals, contents, undefined, { readOnly })
  return { repo: store.repo, info: { backend: store.backend, name: basename(root) }, root, created: false }
}
