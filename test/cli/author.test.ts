/**
 * The author of a commit, found as git finds it: --author, then $IRMIN_AUTHOR, then
 * $GIT_AUTHOR_NAME/$GIT_AUTHOR_EMAIL, then git config user.name/user.email ($EMAIL after it),
 * then the default. Where git has the same rule, `git var GIT_AUTHOR_IDENT` under the same
 * environment is the oracle.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)
const dir = tempDir('irmin-author-')
afterAll(() => removeDir(dir))
const root = join(dir, 'store')
const config = join(dir, 'gitconfig')

/** Sets a value with `env` and returns the new commit's author and committer. */
async function commitWith(env: Record<string, string>, extra: string[] = []): Promise<{ author: string; committer: string }> {
  const value = String(Math.random())
  const set = await irmin(['--root', root, 'set', 'k', value, ...extra], { env })
  expect(set).toMatchObject({ status: 0, stderr: '' })
  const shown = await irmin(['--root', root, '--json', 'show', '-s'])
  return JSON.parse(shown.stdout)
}

/** What git itself takes as the author under `env` (without the time). */
function gitAuthor(env: Record<string, string>): string {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GIT_(AUTHOR|COMMITTER)_|EMAIL$|GIT_CONFIG)/.test(k)))
  const ident = execFileSync('git', ['var', 'GIT_AUTHOR_IDENT'], { cwd: dir, env: { ...clean, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...env } }).toString()
  return ident.replace(/ \d+ [+-]\d{4}\n$/, '')
}

describe('the author of a commit', () => {
  beforeAll(async () => {
    expect((await irmin(['--root', root, 'init'])).status).toBe(0)
    writeFileSync(config, '[user]\n\tname = Config Name\n\temail = config@example.org\n')
  })

  it('comes from git config user.name and user.email, as git takes it', async () => {
    const env = { GIT_CONFIG_GLOBAL: config }
    expect((await commitWith(env)).author).toBe('Config Name <config@example.org>')
    expect(gitAuthor(env)).toBe('Config Name <config@example.org>')
  })

  it('$GIT_AUTHOR_NAME and $GIT_AUTHOR_EMAIL come before git config, each on its own, as in git', async () => {
    const envs: Array<Record<string, string>> = [
      { GIT_CONFIG_GLOBAL: config, GIT_AUTHOR_NAME: 'Env Name', GIT_AUTHOR_EMAIL: 'env@example.org' },
      { GIT_CONFIG_GLOBAL: config, GIT_AUTHOR_NAME: 'Env Name' },
      { GIT_CONFIG_GLOBAL: config, GIT_AUTHOR_EMAIL: 'env@example.org' },
      { GIT_AUTHOR_NAME: 'Env Name', GIT_AUTHOR_EMAIL: 'env@example.org' },
    ]
    for (const env of envs) {
      expect((await commitWith(env)).author).toBe(gitAuthor(env))
    }
  })

  it('$IRMIN_AUTHOR comes before the git variables, and --author before everything', async () => {
    const env = { GIT_CONFIG_GLOBAL: config, GIT_AUTHOR_NAME: 'Env Name', IRMIN_AUTHOR: 'Irmin Author <irmin@example.org>' }
    expect((await commitWith(env)).author).toBe('Irmin Author <irmin@example.org>')
    expect((await commitWith(env, ['--author', 'Given <given@example.org>'])).author).toBe('Given <given@example.org>')
  })

  it('is the default with nothing configured; the committer follows $GIT_COMMITTER_NAME/EMAIL', async () => {
    expect(await commitWith({})).toEqual(expect.objectContaining({ author: 'irminsule <irminsule@localhost>', committer: 'irminsule <irminsule@localhost>' }))
    const both = await commitWith({ GIT_CONFIG_GLOBAL: config, GIT_COMMITTER_NAME: 'Committer', GIT_COMMITTER_EMAIL: 'c@example.org' })
    expect(both).toEqual(expect.objectContaining({ author: 'Config Name <config@example.org>', committer: 'Committer <c@example.org>' }))
  })

  it('a malformed $IRMIN_AUTHOR is refused as --author is', async () => {
    const bad = await irmin(['--root', root, 'set', 'k', 'v'], { env: { IRMIN_AUTHOR: 'no brackets' } })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toBe('$IRMIN_AUTHOR takes "Name <email>", not "no brackets"\n')
    expect(await irmin(['--root', root, 'set', 'k', 'v', '--author', 'Ada'])).toMatchObject({ status: 2, stderr: '--author takes "Name <email>", not "Ada"\n' })
  })
})
