/**
 * A git repository with a long history for the sync benchmarks, written by native
 * `git fast-import` (seconds, not minutes): `commits` commits on `main`, each changing
 * `filesPerCommit` files three directories deep, with fixed dates so every run builds the same
 * objects. 10,000 commits of 3 files give about 100,000 objects.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'

export interface HistoryShape {
  commits: number
  filesPerCommit: number
}

export const SYNC_HISTORY: HistoryShape = { commits: 10_000, filesPerCommit: 3 }

export async function writeGitHistory(bareRepo: string, shape: HistoryShape = SYNC_HISTORY): Promise<void> {
  const child = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: bareRepo, stdio: ['pipe', 'inherit', 'inherit'] })
  let seed = 42
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0)
  const write = async (text: string) => {
    if (!child.stdin.write(text)) await once(child.stdin, 'drain')
  }
  for (let c = 0; c < shape.commits; c++) {
    const when = 1_700_000_000 + c * 60
    const message = `commit ${c}\n`
    let text = `commit refs/heads/main\ncommitter Bench <bench@example.org> ${when} +0000\ndata ${Buffer.byteLength(message)}\n${message}`
    for (let f = 0; f < shape.filesPerCommit; f++) {
      const n = random()
      const path = `d${n % 50}/e${(n >>> 8) % 20}/f${(n >>> 16) % 40}.txt`
      const body = `file ${path}, version ${c}.${f}\n${'line of text for a realistic size\n'.repeat(8 + (n % 16))}`
      text += `M 100644 inline ${path}\ndata ${Buffer.byteLength(body)}\n${body}`
    }
    await write(text + '\n')
  }
  await write('done\n')
  child.stdin.end()
  const [code] = await once(child, 'exit')
  if (code !== 0) throw new Error(`git fast-import exited with ${code}`)
}
