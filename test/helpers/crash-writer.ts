/**
 * Child process for crash tests: writes commits as fast as it can and prints each acknowledged
 * commit id on its own line, until it is killed. In `gc` mode it also makes garbage (branches
 * written then deleted) and collects it with a history window, over and over.
 * Usage: node --import tsx crash-writer.ts <level|git|postgres> <dir or database URL> <round> [write|gc]
 */
import { Contents, Repo, type Backend } from '../../index.js'

const [kind, dir, round, mode = 'write'] = process.argv.slice(2)

async function openBackend(): Promise<Backend> {
  if (kind === 'level') return (await import('../../backends/level.js')).openLevelBackend(dir)
  if (kind === 'git') return (await import('../../backends/git/index.js')).openGitBackend(dir, { create: true })
  if (kind === 'postgres') return (await import('../../backends/postgres/index.js')).openPostgresBackend(dir)
  throw new Error(`unknown backend ${kind}`)
}

const repo = await Repo.open({ backend: await openBackend(), contents: Contents.string })
const branches = ['main', 'dev']
for (let n = 0; ; n++) {
  const store = repo.branch(branches[n % 2])
  // Alternate one-key writes and batches so both small and large object batches are in flight.
  const head =
    n % 3 === 0
      ? await store.batch(tx => {
          for (let k = 0; k < 50; k++) tx.set([`r${round}`, `b${n % 7}`, `k${k}`], `value ${round}.${n}.${k}`)
        })
      : await store.set([`r${round}`, `n${n % 40}`], `value ${round}.${n}`)
  process.stdout.write(`${head!.id}\n`)
  if (mode === 'gc' && n % 10 === 9) {
    await repo.branch('scratch').set(['junk', `${n}`], `garbage ${round}.${n}`)
    await repo.deleteBranch('scratch')
    process.stdout.write('gc:start\n')
    await repo.gc({ keepCommits: 5 })
    process.stdout.write('gc:end\n')
  }
}
