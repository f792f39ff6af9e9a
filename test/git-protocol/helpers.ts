/**
 * git smart HTTP tests: `irmin serve` in-process (port 0) and the native git CLI as the client,
 * run asynchronously (the server lives in this process's event loop), never prompting.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { type Repo } from '../../index.js'
import { serveRepo } from '../sync/helpers.js'

const run = promisify(execFile)

export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Pusher',
  GIT_AUTHOR_EMAIL: 'pusher@example.org',
  GIT_COMMITTER_NAME: 'Pusher',
  GIT_COMMITTER_EMAIL: 'pusher@example.org',
}

export interface GitRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs git; resolves with its exit code and output (never rejects on a non-zero exit). */
export async function gitRun(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<GitRun> {
  try {
    const { stdout, stderr } = await run('git', args, { cwd, env: { ...GIT_ENV, ...env }, maxBuffer: 256 * 1024 * 1024 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) }
  }
}

/** Runs git and returns stdout; a non-zero exit fails with git's stderr. */
export async function gitOk(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await gitRun(cwd, args, env)
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
  return result.stdout
}

/** Serves `repo` and returns its git URL (`…/git`), with `user:token@` when a token is given. */
export async function gitUrl(repo: Repo<Uint8Array>, tokens: { write?: string; read?: string } = {}): Promise<{ url: string; withToken(token: string): string }> {
  const base = await serveRepo(repo, tokens)
  const url = `${base}git`
  return { url, withToken: token => url.replace('http://', `http://git:${encodeURIComponent(token)}@`) }
}
