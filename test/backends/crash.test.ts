/**
 * Crash safety: a child process writes commits as fast as it can (and, in a second test,
 * collects garbage with a history window between writes) and is killed with SIGKILL at a random
 * moment, 30 times per backend, into the same store. After every kill the store reopens, no ref
 * names a missing object, every object reachable from a ref is present and hash-checks, and
 * (when nothing is collected) every commit the child reported as written is still reachable.
 * On the git backend, `git fsck --strict` agrees at the end.
 * On PostgreSQL (a fresh database on the test cluster) the kill drops the writer's connections:
 * the server rolls back whatever statement was in flight, so a ref move is all or nothing.
 *
 * What SIGKILL cannot show is a power cut: the kernel still holds a killed process's unsynced
 * writes and writes them out, so a backend that forgot to sync passes here. LevelDB's power-cut
 * durability (every write of a commit synced, though LevelDB closes full logs unsynced) is
 * checked in level-durability.test.ts by recording the `sync` option of every write.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Contents, openGitBackend, openLevelBackend, openPostgresBackend, Repo, type Backend } from '../../index.js'
import { gitStatus, removeDir, tempDir } from '../helpers/git.js'
import { freshDatabase } from '../helpers/postgres.js'
import { checkReachable } from '../helpers/reachable.js'

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 30)
const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

/** Runs the writer, kills it at a random moment after its first commit; returns the ids it printed. */
function writeUntilKilled(kind: string, dir: string, round: number, mode: 'write' | 'gc'): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../helpers/crash-writer.ts'), kind, dir, String(round), mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    let armed = false
    child.stdout.on('data', chunk => {
      out += chunk
      if (!armed) {
        armed = true
        setTimeout(() => child.kill('SIGKILL'), 20 + Math.random() * (mode === 'gc' ? 600 : 300))
      }
    })
    child.stderr.on('data', chunk => (err += chunk))
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code}: ${err}`))
      // A line cut short by the kill was never acknowledged in full: only complete lines count.
      resolve(out.split('\n').slice(0, -1))
    })
  })
}

/** A new store's location: a directory, or (PostgreSQL) a fresh database's URL. */
function newDir(kind: string): () => Promise<string> {
  return async () => {
    const dir = join(tempDir(`irmin-crash-${kind}-`), 'store')
    dirs.push(join(dir, '..'))
    return dir
  }
}

const kinds: Array<[string, () => Promise<string>, (location: string) => Promise<Backend>]> = [
  ['level', newDir('level'), dir => openLevelBackend(dir)],
  ['git', newDir('git'), dir => openGitBackend(dir)],
  ['postgres', freshDatabase, url => openPostgresBackend(url)],
]

describe.each(kinds)('SIGKILL on the %s backend', (kind, location, open) => {
  for (const mode of ['write', 'gc'] as const) {
    it(`${mode === 'write' ? 'during writes' : 'during writes and GC'}: ${ROUNDS} kills, no ref names a missing object${mode === 'write' ? ', nothing acknowledged lost' : ''}`, async () => {
      const dir = await location()
      const acknowledged: string[] = []
      let killedInGc = 0
      for (let round = 0; round < ROUNDS; round++) {
        const lines = await writeUntilKilled(kind, dir, round, mode)
        const markers = lines.filter(line => line.startsWith('gc:'))
        if (markers.at(-1) === 'gc:start') killedInGc++
        acknowledged.push(...lines.filter(line => !line.startsWith('gc:')))
        const repo = await Repo.open({ backend: await open(dir), contents: Contents.string })
        try {
          const { commits } = await checkReachable(repo) // fails on anything missing or corrupt
          const report = await repo.fsck()
          expect(report.damage, `round ${round}`).toEqual([])
          if (mode === 'write') expect(acknowledged.filter(id => !commits.has(id)), `round ${round}: acknowledged commits lost`).toEqual([])
        } finally {
          await repo.close()
        }
      }
      expect(acknowledged.length).toBeGreaterThan(ROUNDS)
      if (mode === 'gc') expect(killedInGc, 'kills that landed in the middle of a collection').toBeGreaterThanOrEqual(3)
      if (kind === 'git') {
        const fsck = gitStatus(dir, ['fsck', '--strict', '--no-dangling', '--no-progress'])
        expect(fsck.status, fsck.stderr).toBe(0)
      }
    }, 300_000)
  }
})
