/**
 * Compare-and-swap across processes on one git repository: several child processes, and this
 * one, increment a counter ref with compare-and-swap loops at the same time; no increment is lost
 * and no lock file is left behind.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { openGitBackend } from '../../backends/git/index.js'
import { counterId, counterValue, COUNTER_REF } from '../helpers/git-counter.js'
import { removeDir, tempDir } from '../helpers/git.js'

const WORKERS = 4
const PER_WORKER = 40
const IN_PROCESS = 40

const dir = tempDir('irmin-git-cas-')
afterAll(() => removeDir(dir))

interface Worker {
  ready: Promise<void>
  start(): void
  result: Promise<{ lost: number }>
}

function worker(count: number): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../helpers/git-cas-worker.ts'), dir, String(count)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  let markReady: () => void
  const ready = new Promise<void>(resolve => (markReady = resolve))
  child.stdout.on('data', chunk => {
    out += chunk
    if (out.startsWith('ready\n')) markReady()
  })
  child.stderr.on('data', chunk => (err += chunk))
  const result = new Promise<{ lost: number }>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', code => {
      if (code !== 0) return reject(new Error(`worker exited with ${code}: ${err}`))
      resolve(JSON.parse(out.trim().split('\n').pop()!))
    })
  })
  return { ready, start: () => child.stdin.end('go\n'), result }
}

it('loses no increment when several processes compare-and-swap one ref', async () => {
  const backend = await openGitBackend(dir, { create: true })
  const workers = Array.from({ length: WORKERS }, () => worker(PER_WORKER))
  await Promise.all(workers.map(w => w.ready))
  workers.forEach(w => w.start())
  // This process joins in with two concurrent loops of its own.
  const local = async (count: number) => {
    for (let done = 0; done < count; ) {
      const current = await backend.getRef(COUNTER_REF)
      if (await backend.casRef(COUNTER_REF, current, counterId(counterValue(current) + 1))) done++
    }
  }
  const [results] = await Promise.all([Promise.all(workers.map(w => w.result)), local(IN_PROCESS / 2), local(IN_PROCESS / 2)])
  expect(counterValue(await backend.getRef(COUNTER_REF))).toBe(WORKERS * PER_WORKER + IN_PROCESS)
  // The processes did race: some of their attempts lost.
  expect(results.reduce((sum, r) => sum + r.lost, 0)).toBeGreaterThan(0)
  expect(readdirSync(join(dir, 'refs', 'heads')).filter(name => name.endsWith('.lock'))).toEqual([])
  await backend.close()
}, 60_000)
