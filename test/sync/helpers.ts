/** Sync tests: servers in-process (`startServer` on port 0), client repos, and what to compare. */
import { type RunningServer, startServer } from '../../cli/server/http.js'
import { type Backend, Contents, openMemoryBackend, Repo } from '../../index.js'
import { lazyBackend, SyncTransport } from '../../sync/index.js'

export const bytes = (text: string) => new TextEncoder().encode(text)
export const text = (value: Uint8Array) => new TextDecoder().decode(value)

const running: RunningServer[] = []

export async function closeServers(): Promise<void> {
  for (const server of running.splice(0)) await server.close()
}

export async function openRepo(backend: Backend = openMemoryBackend()): Promise<Repo<Uint8Array>> {
  return Repo.open({ backend, contents: Contents.bytes })
}

export async function serveRepo(repo: Repo<Uint8Array>, tokens: { write?: string; read?: string } = {}): Promise<string> {
  const server = await startServer(repo, { backend: 'memory', name: null }, {
    host: '127.0.0.1',
    port: 0,
    tokens,
    onError: error => console.error('server fault', error),
  })
  running.push(server)
  return server.url
}

/** A lazy repo over a memory backend, with a transport whose requests the test counts. */
export async function openLazyRepo(url: string) {
  const transport = new SyncTransport(url)
  const local = openMemoryBackend()
  const repo = await openRepo(lazyBackend(local, { transport }))
  return { repo, local, transport }
}

/** Every (path, value) of a branch, as text. */
export async function contentsOf(repo: Repo<Uint8Array>, branch = 'main'): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = []
  for await (const [path, value] of (await repo.branch(branch).tree()).walk()) out.push([path.join('/'), text(value)])
  return out
}

/** Every object id the backend holds. */
export async function objectIds(backend: Backend): Promise<Set<string>> {
  const ids = new Set<string>()
  for await (const id of backend.objectIds()) ids.add(id)
  return ids
}

/** A history of `commits` commits on `main`, each changing a few files in a few directories. */
export async function makeHistory(repo: Repo<Uint8Array>, commits: number, branch = 'main'): Promise<void> {
  const store = repo.branch(branch)
  for (let i = 0; i < commits; i++) {
    await store.batch(tx => {
      tx.set(['docs', `d${i % 3}.txt`], bytes(`doc ${i}`))
      tx.set(['src', 'lib', `m${i % 4}.ts`], bytes(`module ${i}`))
      tx.set(['readme'], bytes(`readme ${i}`))
    }, { message: `commit ${i}` })
  }
}
