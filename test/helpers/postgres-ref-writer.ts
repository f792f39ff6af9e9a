/**
 * Child process: moves refs of the PostgreSQL store at <url> by compare-and-swap.
 * `count <n>`: increments refs/heads/counter n times (a CAS loop, as the conformance case does in one
 * process), then prints `done`. `set <name> <id>`: sets one ref from whatever it is, prints `done`.
 * Usage: node --import tsx postgres-ref-writer.ts <url> count <n> | set <name> <id>
 */
import { createHash } from 'node:crypto'
import { openPostgresBackend } from '../../backends/postgres/index.js'

const [url, mode, a, b] = process.argv.slice(2)
const backend = await openPostgresBackend(url)
const counterId = (n: number) => createHash('sha1').update(`count ${n}`).digest('hex')

if (mode === 'count') {
  const value = new Map<string, number>()
  for (let n = 0; n <= 10_000; n++) value.set(counterId(n), n)
  for (let done = 0; done < Number(a); ) {
    const current = await backend.getRef('refs/heads/counter')
    const n = current === undefined ? 0 : value.get(current)!
    if (await backend.casRef('refs/heads/counter', current, counterId(n + 1))) done++
  }
} else if (mode === 'set') {
  for (;;) {
    const current = await backend.getRef(a)
    if (await backend.casRef(a, current, b)) break
  }
}
process.stdout.write('done\n')
await backend.close()
