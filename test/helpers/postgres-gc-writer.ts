/**
 * Child process for the GC-beside-writers test on PostgreSQL: one writer, in its own process,
 * on the database at <url>, until a line arrives on stdin; then it finishes a few more writes,
 * prints `done` and exits. Every acknowledged commit id is printed on its own line.
 * Roles: `setter` (keys set to cycling values: old trees come back), `brancher` (branches from
 * commits of main's history, written on, then deleted), `reverter` (reverts recent commits).
 * Usage: node --import tsx postgres-gc-writer.ts <url> <role>
 */
import { Contents, IrminError, openPostgresBackend, Repo } from '../../index.js'

const [url, role] = process.argv.slice(2)
const repo = await Repo.open({ backend: await openPostgresBackend(url), contents: Contents.string })
const main = repo.branch('main')
let stopping = false
process.stdin.on('data', () => (stopping = true))

const ack = (id: string | undefined) => id && process.stdout.write(`${id}\n`)
async function tolerated<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write()
  } catch (error) {
    if (error instanceof IrminError) return undefined
    throw error
  }
}
async function recent(count: number): Promise<string[]> {
  const ids: string[] = []
  for await (const commit of main.history()) {
    ids.push(commit.id)
    if (ids.length >= count) break
  }
  return ids
}

for (let n = 0, after = 0; after < 10; n++) {
  if (stopping) after++
  if (role === 'setter') {
    ack((await main.set([`k${n % 4}`], `v${n % 3}`))?.id)
  } else if (role === 'brancher') {
    const ids = await recent(6)
    const old = ids[n % Math.max(1, ids.length)]
    const name = `b${n}`
    if (old !== undefined && (await tolerated(async () => (await repo.createBranch(name, old), true)))) {
      ack((await tolerated(() => repo.branch(name).set(['branch'], `${name} ${n % 2}`)))?.id)
    }
    if (n >= 4) await tolerated(() => repo.deleteBranch(`b${n - 4}`))
  } else if (role === 'reverter') {
    const ids = await recent(3)
    const target = ids[n % Math.max(1, ids.length)]
    if (target !== undefined) ack((await tolerated(() => main.revert(target)))?.id)
  } else {
    throw new Error(`unknown role ${role}`)
  }
}
process.stdout.write('done\n')
await repo.close()
