/** The git http-backend bridge serves real git's smart HTTP: clone, fetch and (when enabled) push. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningGitHttpBackend, startGitHttpBackend } from '../../tools/git-http-backend.js'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { git, removeDir, tempDir } from '../helpers/git.js'

/** git run asynchronously: the HTTP server it talks to lives in this process's event loop. */
const gitAsync = async (cwd: string, args: string[]) =>
  (await promisify(execFile)('git', args, { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@x' } })).stdout

describe('git http-backend bridge', () => {
  let root: string
  let work: string
  let server: RunningGitHttpBackend

  beforeAll(async () => {
    root = tempDir()
    work = tempDir()
    git(root, ['init', '-q', '--bare', '-b', 'main', 'repo.git'])
    git(work, ['init', '-q', '-b', 'main', 'src'])
    for (let i = 0; i < 3; i++) {
      git(`${work}/src`, ['commit', '-q', '--allow-empty', '-m', `c${i}`])
    }
    git(`${work}/src`, ['push', '-q', `${root}/repo.git`, 'main'])
    server = await startGitHttpBackend({ root, receivePack: true })
  })
  afterAll(async () => {
    await server?.close()
    removeDir(root)
    removeDir(work)
  })

  it('serves git clone over smart HTTP (protocol v2) with the same history', async () => {
    await gitAsync(work, ['-c', 'protocol.version=2', 'clone', '-q', `${server.url}repo.git`, 'clone'])
    expect(git(`${work}/clone`, ['log', '--format=%s']).trim().split('\n')).toEqual(['c2', 'c1', 'c0'])
    git(`${work}/clone`, ['fsck', '--strict'])
  })

  it('accepts a push when receive-pack is enabled and counts requests', async () => {
    const before = server.requests
    git(`${work}/clone`, ['commit', '-q', '--allow-empty', '-m', 'pushed'])
    await gitAsync(`${work}/clone`, ['push', '-q', 'origin', 'main'])
    expect(git(`${root}/repo.git`, ['log', '-1', '--format=%s', 'main']).trim()).toBe('pushed')
    expect(server.requests).toBeGreaterThan(before)
  })

  it('answers 404 for a repository that does not exist', async () => {
    const reply = await fetch(`${server.url}missing.git/info/refs?service=git-upload-pack`)
    expect(reply.status).toBe(404)
  })
})
