/**
 * Naming a commit on the command line or in a URL: a branch name, a full commit id, or a unique
 * prefix of one (at least 4 hex digits, as git accepts). A branch wins over a prefix that
 * happens to spell the same, as in git.
 */
import { branchRef, isObjectId, NotFoundError, type Repo, validateBranchName } from '../../index.js'
import { AmbiguousCommitError } from '../errors.js'
import { objectTypes } from './objects.js'

const PREFIX = /^[0-9a-f]{4,39}$/

export async function resolveCommit(repo: Repo<Uint8Array>, name: string): Promise<string> {
  if (isBranchName(name)) {
    const head = await repo.backend.getRef(branchRef(name))
    if (head !== undefined) return head
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
  throw new NotFoundError(`branch or commit ${name}`)
}

/** The head of `branch`; a branch without commits is not found. */
export async function branchHead(repo: Repo<Uint8Array>, branch: string): Promise<string> {
  const head = await repo.branch(branch).headId()
  if (head === undefined) throw new NotFoundError(`branch ${branch} (it has no commits)`)
  return head
}

function isBranchName(name: string): boolean {
  try {
    validateBranchName(name)
    return true
  } catch {
    return false
  }
}
