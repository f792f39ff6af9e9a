/**
 * Naming a commit on the command line or in a URL, as git spells revisions (one resolver for
 * every command that takes a commit, and the inspector's API):
 *
 * - a base: `HEAD` or `@` (the head of `--branch`), a branch, a tag (peeled to its commit), a
 *   remote-tracking branch (`origin/main`), a full commit id, or a unique prefix of one (at
 *   least 4 hex digits). A branch wins over a prefix that happens to spell the same, as in git;
 * - then `@{upstream}` (`@{u}`): the remote-tracking branch of that branch;
 * - then any number of `~N` (the Nth first-parent ancestor; `~` alone is `~1`) and `^N` (the Nth
 *   parent; `^` alone is `^1`, `^0` the commit itself): `main~2`, `HEAD^2`, `abc1234^^~3`.
 *
 * irmin keeps no reflog, so `@{N}` and `@{date}` are refused with a message saying so.
 */
import { parseTag } from '../../core/objects/git-tag.js'
import { branchRef, isObjectId, NotFoundError, type Repo, validateBranchName } from '../../index.js'
import { listRemotes, trackingRef } from '../../sync/index.js'
import { AmbiguousCommitError, BadRevisionError } from '../errors.js'
import { objectTypes, readBodies } from './objects.js'

const PREFIX = /^[0-9a-f]{4,39}$/
const STEPS = /^(?:[~^][0-9]*)*$/

/** The commit `revision` names; `branch` is what `HEAD` means (default main). */
export async function resolveCommit(repo: Repo<Uint8Array>, revision: string, branch = 'main'): Promise<string> {
  const { base, upstream, steps } = parseRevision(revision)
  const name = base === '' || base === 'HEAD' || base === '@' ? branch : base
  let id = upstream ? await upstreamOf(repo, name) : await resolveBase(repo, name, branch)
  let shown = revision.slice(0, revision.length - steps.length)
  for (const [, op, digits] of steps.matchAll(/([~^])([0-9]*)/g)) {
    const n = digits === '' ? 1 : Number(digits)
    if (op === '^') {
      if (n === 0) continue
      const parents = (await repo.readCommit(id)).parents
      if (parents.length < n) throw new NotFoundError(`${revision} (${shown} has ${count(parents.length, 'parent')})`)
      id = parents[n - 1]
    } else {
      for (let i = 0; i < n; i++) {
        const [parent] = (await repo.readCommit(id)).parents
        if (parent === undefined) throw new NotFoundError(`${revision} (${shown}${i ? `~${i}` : ''} has no parent)`)
        id = parent
      }
    }
    shown += op + digits
  }
  return id
}

/** The head of `branch`; a branch without commits is not found. */
export async function branchHead(repo: Repo<Uint8Array>, branch: string): Promise<string> {
  const head = await repo.branch(branch).headId()
  if (head === undefined) throw new NotFoundError(`branch ${branch} (it has no commits)`)
  return head
}

function parseRevision(revision: string): { base: string; upstream: boolean; steps: string } {
  const at = revision.indexOf('@{')
  const firstStep = revision.search(/[~^]/)
  const baseEnd = [at, firstStep].filter(i => i >= 0).reduce((a, b) => Math.min(a, b), revision.length)
  const base = revision.slice(0, baseEnd)
  let rest = revision.slice(baseEnd)
  let upstream = false
  if (rest.startsWith('@{')) {
    const close = rest.indexOf('}')
    const inside = close === -1 ? rest.slice(2) : rest.slice(2, close)
    if (close === -1) throw new BadRevisionError(revision, 'an @{ without its }')
    if (inside !== 'u' && inside !== 'upstream') {
      throw new BadRevisionError(revision, `irmin keeps no reflog, so @{${inside}} names nothing (@{upstream} does; for older commits use ~N, as in HEAD~${/^[0-9]+$/.test(inside) ? inside : '2'})`)
    }
    upstream = true
    rest = rest.slice(close + 1)
  }
  if (!STEPS.test(rest)) throw new BadRevisionError(revision, `"${rest}" is not a run of ~N and ^N`)
  if (base === '' && !upstream && rest === '') throw new BadRevisionError(revision, 'it is empty')
  return { base, upstream, steps: rest }
}

async function resolveBase(repo: Repo<Uint8Array>, name: string, branch: string): Promise<string> {
  if (isBranchName(name)) {
    const head = await repo.backend.getRef(branchRef(name))
    if (head !== undefined) return head
    const tag = await repo.backend.getRef(`refs/tags/${name}`)
    if (tag !== undefined) return peel(repo, tag, name)
    const remote = await repo.backend.getRef(`refs/remotes/${name}`)
    if (remote !== undefined) return remote
  }
  if (isObjectId(name)) {
    await repo.readCommit(name)
    return name
  }
  if (PREFIX.test(name)) {
    const candidates: string[] = []
    for await (const id of repo.backend.objectIds()) if (id.startsWith(name)) candidates.push(id)
    const types = await objectTypes(repo, candidates)
    const commits = candidates.filter((_, i) => types[i] === 'commit')
    if (commits.length === 1) return commits[0]
    if (commits.length > 1) throw new AmbiguousCommitError(name, commits.sort())
  }
  if (name === branch) throw new NotFoundError(`branch ${name} (it has no commits)`)
  throw new NotFoundError(`branch or commit ${name}`)
}

/** A tag's commit, through tags of tags. */
async function peel(repo: Repo<Uint8Array>, id: string, name: string): Promise<string> {
  for (let depth = 0; depth < 10; depth++) {
    const [type] = await objectTypes(repo, [id])
    if (type !== 'tag') break
    id = parseTag(id, (await readBodies(repo, [id], 'tag'))[0]).object
  }
  await repo.readCommit(id).catch(() => {
    throw new NotFoundError(`commit ${name} (the tag names something other than a commit)`)
  })
  return id
}

async function upstreamOf(repo: Repo<Uint8Array>, branch: string): Promise<string> {
  for (const remote of await listRemotes({ backend: repo.backend })) {
    const id = await repo.backend.getRef(trackingRef(remote.name, branch))
    if (id !== undefined) return id
  }
  throw new NotFoundError(`${branch}@{upstream} (no remote has a branch ${branch}; irmin fetch first)`)
}

function count(n: number, what: string): string {
  return n === 0 ? `no ${what}` : n === 1 ? `1 ${what}` : `${n} ${what}s`
}

function isBranchName(name: string): boolean {
  try {
    validateBranchName(name)
    return true
  } catch {
    return false
  }
}
