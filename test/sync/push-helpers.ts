/** Shared by the push tests: stores, and push streams built the way the client builds them. */
import type { Repo } from '../../index.js'
import { objectsToPush } from '../../sync/client/push-objects.js'
import { pushStream } from '../../sync/client/push-stream.js'
import type { PushHeader } from '../../sync/push-header.js'
import { createSyncContext } from '../../sync/server/context.js'
import type { SyncLimits } from '../../sync/server/limits.js'
import { receivePush } from '../../sync/server/push-receive.js'

export { bytes, openRepo, text } from './helpers.js'

/** The ref values of `repo` (the commits a server has with their closure). */
export async function refValues(repo: Repo<Uint8Array>): Promise<Set<string>> {
  return new Set((await repo.backend.listRefs('refs/')).map(([, id]) => id))
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of stream) parts.push(part)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) (out.set(p, at), (at += p.length))
  return out
}

/**
 * The push stream that moves `ref` of `server` to `from`'s branch head, as bytes, with the ids
 * it carries (those the server's refs do not reach, minus `skip`).
 */
export async function pushBytes(from: Repo<Uint8Array>, branch: string, server: Repo<Uint8Array>, header: Partial<PushHeader> = {}, skip: (id: string) => boolean = () => false) {
  const head = (await from.branch(branch).headId())!
  const ids = (await objectsToPush(from.objects, head, await refValues(server))).filter(id => !skip(id))
  const full: PushHeader = { ref: `refs/heads/${branch}`, old: (await server.backend.getRef(`refs/heads/${branch}`)) ?? null, new: head, mode: 'fast-forward', ...header }
  return { head, ids, bytes: await collect(pushStream(from.objects, full, ids)) }
}

export async function* once(value: Uint8Array): AsyncGenerator<Uint8Array> {
  yield value
}

/** The server's half of a push, without HTTP. */
export function receive(server: Repo<Uint8Array>, body: AsyncIterable<Uint8Array>, limits: Partial<SyncLimits> = {}) {
  return receivePush(createSyncContext(server, {}, limits), body)
}
