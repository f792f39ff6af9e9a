/**
 * Child process for the cross-process compare-and-swap test: adds `count` to a counter kept in a
 * ref of the git repository in `dir`, one compare-and-swap loop per increment, as fast as it can,
 * then prints how many of its attempts lost a race. It prints "ready" once the repository is open
 * and starts when a line arrives on stdin, so that all workers run at the same time.
 * Usage: node --import tsx git-cas-worker.ts <dir> <count>
 */
import { once } from 'node:events'
import { openGitBackend } from '../../backends/git/index.js'
import { counterId, counterValue, COUNTER_REF } from './git-counter.js'

const [dir, count] = process.argv.slice(2)
const backend = await openGitBackend(dir)
console.log('ready')
await once(process.stdin, 'data')
let lost = 0
for (let done = 0; done < Number(count); ) {
  const current = await backend.getRef(COUNTER_REF)
  if (await backend.casRef(COUNTER_REF, current, counterId(counterValue(current) + 1))) done++
  else lost++
}
await backend.close()
console.log(JSON.stringify({ lost }))
