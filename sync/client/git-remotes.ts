/**
 * Remotes that are git servers (smart HTTP) rather than `irmin serve`. Which kind a URL is gets
 * decided once, when the remote is first remembered: a path ending in `.git` is git; otherwise
 * one GET of `info/refs?service=git-upload-pack` (with the URL's user:password as Basic
 * credentials, if it has them) — a git server answers it with its advertisement's content type,
 * `irmin serve` does not (a 401 with a Basic challenge is no sign: irmin serve with a read token
 * asks browsers that way). The remote keeps the answer (`kind: 'git'`), so later fetches ask
 * nothing. A private git server whose path does not end in `.git` needs its credentials in the URL.
 *
 * The git client itself (git-protocol/client/) uses Node modules, so this browser-safe module
 * only holds a slot it fills: the Node entry registers it; in a browser, a git remote is a clear
 * error.
 */
import { InvalidArgumentError, type Repo } from '../../core/index.js'
import type { FetchOptions, FetchResult } from './fetch.js'
import type { PushOptions, PushOutcome } from './push.js'
import type { Remote } from './remotes.js'
import { installedHttpRequest } from './transport.js'

type AnyRepo = Pick<Repo<unknown>, 'backend' | 'objects' | 'refMoved'>

export interface GitRemoteClient {
  fetch(repo: AnyRepo, remote: Remote, options: FetchOptions): Promise<FetchResult>
  push(repo: AnyRepo & Pick<Repo<unknown>, 'lowestCommonAncestors'>, remote: Remote, branch: string, options: PushOptions): Promise<PushOutcome>
}

let client: GitRemoteClient | undefined

export function registerGitRemoteClient(implementation: GitRemoteClient): void {
  client = implementation
}

export function gitRemoteClient(): GitRemoteClient {
  if (!client) throw new InvalidArgumentError('git remotes need the Node entry of irminsule (the git client is not in the browser build)')
  return client
}

export type RemoteKind = 'git' | 'irmin'

/** Whether `url` is a git server or `irmin serve` (see the module comment). */
export async function detectRemoteKind(url: string, fetchImpl?: typeof globalThis.fetch): Promise<RemoteKind> {
  const parsed = new URL(url)
  if (/\.git\/?$/.test(parsed.pathname)) return 'git'
  const credentials = parsed.username || parsed.password ? `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` : undefined
  parsed.username = ''
  parsed.password = ''
  try {
    const headers: Record<string, string> = credentials === undefined ? {} : { authorization: `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(credentials)))}` }
    const probe = `${parsed.toString().replace(/\/+$/, '')}/info/refs?service=git-upload-pack`
    const request = fetchImpl === undefined ? installedHttpRequest() : undefined
    let type: string
    if (request !== undefined) {
      const reply = await request('GET', probe, undefined, headers)
      reply.cancel()
      type = reply.contentType
    } else {
      const response = await (fetchImpl ?? globalThis.fetch)(probe, { headers })
      await response.body?.cancel()
      type = response.headers.get('content-type') ?? ''
    }
    return type.startsWith('application/x-git-upload-pack-advertisement') ? 'git' : 'irmin'
  } catch {
    return 'irmin' // unreachable: the irminsule transport reports it
  }
}
