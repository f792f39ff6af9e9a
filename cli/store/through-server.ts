/**
 * Working through a running `irmin serve`. A LevelDB store has one owner: while `irmin serve`
 * holds it, a command that can (reads, and `set`/`remove`) works on a lazy clone of the server
 * kept in memory — branches, history and trees fetched in one request, values on first read —
 * and a write is pushed back as a fast-forward when the command ends, so it lands only if the
 * server accepts it (`--token T` servers need `$IRMIN_TOKEN`) and nobody moved the branch
 * meanwhile; otherwise the command fails with the server's reason and nothing changes there.
 */
import { openMemoryBackend, Repo, type Contents } from '../../index.js'
import { lazyBackend } from '../../sync/index.js'
import type { ServerNote } from '../errors.js'

export interface ServedStore {
  readonly repo: Repo<Uint8Array>
  /** Pushes every branch the command moved, then closes. */
  finish(): Promise<void>
}

export async function openThroughServer(server: ServerNote, contents: Contents<Uint8Array>): Promise<ServedStore> {
  const token = process.env.IRMIN_TOKEN || undefined
  const repo = await Repo.open({ backend: lazyBackend(openMemoryBackend(), { token }), contents })
  await repo.clone(server.url, { lazy: true, token })
  const before = await heads(repo)
  return {
    repo,
    async finish() {
      try {
        for (const [branch, head] of await heads(repo)) if (before.get(branch) !== head) await repo.push('origin', branch, { token })
      } finally {
        await repo.close()
      }
    },
  }
}

async function heads(repo: Repo<Uint8Array>): Promise<Map<string, string | undefined>> {
  const names = await repo.branches()
  return new Map(await Promise.all(names.map(async name => [name, await repo.branch(name).headId()] as const)))
}
