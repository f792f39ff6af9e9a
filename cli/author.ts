/**
 * Who a commit is by, found as git finds it: `--author`, then `$IRMIN_AUTHOR` ("Name <email>"),
 * then `$GIT_AUTHOR_NAME` / `$GIT_AUTHOR_EMAIL`, then `git config user.name` / `user.email` (run
 * in the current directory, so a repository's own config counts as it does for git; `$EMAIL` after
 * user.email, as git), then the store's default, `irminsule <irminsule@localhost>`. A name found
 * without an email (or the reverse) takes the other half from the default. The committer is the
 * author unless `$GIT_COMMITTER_NAME` / `$GIT_COMMITTER_EMAIL` say otherwise. git is asked only
 * when nothing before it answers, so most scripted writes spawn nothing.
 */
import { execFile } from 'node:child_process'
import { DEFAULT_AUTHOR } from '../index.js'
import { UsageError } from './errors.js'

const [DEFAULT_NAME, DEFAULT_EMAIL] = [DEFAULT_AUTHOR.replace(/ <.*$/, ''), DEFAULT_AUTHOR.replace(/^.*<(.*)>$/, '$1')]

export interface Identity {
  readonly author: string | undefined
  readonly committer: string | undefined
}

export async function commitIdentity(given: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Identity> {
  const committer = fromParts(env.GIT_COMMITTER_NAME, env.GIT_COMMITTER_EMAIL)
  if (given !== undefined) return { author: checked(given, '--author'), committer }
  if (env.IRMIN_AUTHOR) return { author: checked(env.IRMIN_AUTHOR, '$IRMIN_AUTHOR'), committer }
  let name = env.GIT_AUTHOR_NAME || undefined
  let email = env.GIT_AUTHOR_EMAIL || undefined
  if (name === undefined || email === undefined) {
    const config = await gitIdentity()
    name ??= config.name
    email ??= config.email ?? (env.EMAIL || undefined)
  }
  return { author: fromParts(name, email), committer }
}

function checked(identity: string, source: string): string {
  if (!/^[^<>\n]*<[^<>\n]*>$/.test(identity)) throw new UsageError(`${source} takes "Name <email>", not ${JSON.stringify(identity)}`)
  return identity
}

function fromParts(name: string | undefined, email: string | undefined): string | undefined {
  if (!name && !email) return undefined
  return `${name || DEFAULT_NAME} <${email || DEFAULT_EMAIL}>`
}

/** user.name and user.email from git's configuration, or nothing when git is absent or has none. */
function gitIdentity(): Promise<{ name?: string; email?: string }> {
  return new Promise(resolve => {
    execFile('git', ['config', '--get-regexp', '^user\\.(name|email)$'], { timeout: 5000 }, (error, stdout) => {
      if (error && !stdout) return resolve({})
      const found: { name?: string; email?: string } = {}
      for (const line of String(stdout).split('\n')) {
        const match = /^user\.(name|email) (.*)$/.exec(line)
        if (match) found[match[1] as 'name' | 'email'] = match[2]
      }
      resolve(found)
    })
  })
}
