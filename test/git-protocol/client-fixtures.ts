/** A git http-backend serving a deltified repository with tags, for the git client's tests. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type RunningGitHttpBackend, startGitHttpBackend } from '../../tools/git-http-backend.js'
import { git, tempDir } from '../helpers/git.js'

export interface GitServerFixture {
  root: string
  /** The bare repository served (`${server.url}repo.git`). */
  bare: string
  /** A work tree whose `origin` is the bare repository, to make new commits. */
  work: string
  server: RunningGitHttpBackend
  url: string
}

/** Commits that each change a line of a few files, so `git gc --aggressive` deltifies them. */
export function commitChanges(work: string, from: number, count: number): void {
  for (let c = from; c < from + count; c++) {
    for (const f of ['a.txt', 'dir/b.txt', 'dir/sub/c.txt']) {
      const lines = Array.from({ length: 200 }, (_, i) => (i === c % 200 ? `changed by commit ${c} in ${f}` : `line ${i} of ${f}, the same in every version`))
      writeFileSync(join(work, f), lines.join('\n') + '\n')
    }
    git(work, ['add', '-A'])
    git(work, ['commit', '-q', '-m', `commit ${c}`])
  }
}

export async function gitServer(commits = 20): Promise<GitServerFixture> {
  const root = tempDir('irmin-git-client-')
  const bare = join(root, 'repo.git')
  const work = join(root, 'work')
  git(root, ['init', '-q', '--bare', '-b', 'main', bare])
  git(root, ['init', '-q', '-b', 'main', work])
  git(work, ['config', 'user.name', 'T'])
  git(work, ['config', 'user.email', 't@x'])
  git(work, ['remote', 'add', 'origin', bare])
  git(work, ['commit', '-q', '--allow-empty', '-m', 'root'])
  mkdirSync(join(work, 'dir/sub'), { recursive: true })
  commitChanges(work, 0, commits)
  git(work, ['tag', '-a', 'v1', '-m', 'release one'])
  git(work, ['tag', 'light'])
  git(work, ['checkout', '-q', '-b', 'side', 'HEAD~3'])
  commitChanges(work, 1000, 2)
  git(work, ['checkout', '-q', 'main'])
  git(work, ['push', '-q', 'origin', 'main', 'side', '--tags'])
  git(bare, ['gc', '-q', '--aggressive'])
  const server = await startGitHttpBackend({ root, receivePack: true })
  return { root, bare, work, server, url: `${server.url}repo.git` }
}
