/** Real git as an oracle: run it in a temporary repository and read what it prints. */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { afterAll } from 'vitest'
import type { Backend } from '../../index.js'

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
}

export function git(cwd: string, args: string[], input?: string | Uint8Array, env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd, input, env: { ...GIT_ENV, ...env }, maxBuffer: 256 * 1024 * 1024 }).toString()
}

/** Runs git and returns its exit status and output instead of throwing. */
export function gitStatus(cwd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('git', args, { cwd, env: GIT_ENV, maxBuffer: 256 * 1024 * 1024 })
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

export function tempDir(prefix = 'irmin-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** Fresh store locations (`db` in a new temp directory named `prefix…`), all removed after the test file. */
export function freshDirs(prefix: string): () => string {
  const dirs: string[] = []
  afterAll(() => dirs.forEach(removeDir))
  return () => {
    const dir = tempDir(prefix)
    dirs.push(dir)
    return join(dir, 'db')
  }
}

export function initBareRepo(): string {
  const dir = tempDir()
  git(dir, ['init', '-q', '--bare', '-b', 'main'])
  return dir
}

/** Copies every object and ref of a backend into a git repository as loose objects. */
export async function exportToGit(backend: Backend, gitDir: string): Promise<number> {
  let count = 0
  const ids: string[] = []
  for await (const id of backend.objectIds()) ids.push(id)
  const objects = await backend.getObjects(ids)
  ids.forEach((id, i) => {
    const dir = join(gitDir, 'objects', id.slice(0, 2))
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, id.slice(2)), deflateSync(objects[i]!))
    count++
  })
  for (const [name, id] of await backend.listRefs()) {
    mkdirSync(join(gitDir, name, '..'), { recursive: true })
    writeFileSync(join(gitDir, name), id + '\n')
  }
  return count
}

/** Copies every object of a git repository (loose or packed) into a backend, and its branch refs. */
export async function importFromGit(gitDir: string, backend: Backend): Promise<void> {
  const out = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: gitDir, env: GIT_ENV, maxBuffer: 1 << 30 })
  const objects: Array<[string, Uint8Array]> = []
  let p = 0
  while (p < out.length) {
    const nl = out.indexOf(0x0a, p)
    const [id, type, size] = out.subarray(p, nl).toString().split(' ')
    const body = out.subarray(nl + 1, nl + 1 + Number(size))
    const header = Buffer.from(`${type} ${size}\0`)
    objects.push([id, new Uint8Array(Buffer.concat([header, body]))])
    p = nl + 1 + Number(size) + 1
  }
  await backend.putObjects(objects)
  const refs = git(gitDir, ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/']).trim()
  for (const line of refs ? refs.split('\n') : []) {
    const [id, name] = line.split(' ')
    await backend.casRef(name, undefined, id)
  }
}
