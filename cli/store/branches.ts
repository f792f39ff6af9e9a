/**
 * Branches as a command meets them. A write to a branch that does not exist would start a new
 * history unrelated to the others: it is refused (with how to create the branch) unless asked
 * for with `--create`, or unless the store has no branch yet (its first commit). A read of a
 * branch that does not exist names the branch, not the path it looked for.
 */
import { NotFoundError, type Repo, type Store } from '../../index.js'
import { NoSuchBranchError } from '../errors.js'

/** The branch a write goes to (see above). */
export async function writableBranch(repo: Repo<Uint8Array>, name: string, create: boolean): Promise<Store<Uint8Array>> {
  const store = repo.branch(name)
  if (create || (await store.headId()) !== undefined) return store
  const others = await repo.branches()
  if (others.length > 0) throw new NoSuchBranchError(name, others.includes('main') ? 'main' : others[0])
  return store
}

/** Checks that a branch exists before reading it; a store without any branch reads as empty. */
export async function readableBranch(repo: Repo<Uint8Array>, name: string): Promise<Store<Uint8Array>> {
  const store = repo.branch(name)
  if ((await store.headId()) === undefined && (await repo.branches()).length > 0) throw new NotFoundError(`branch ${name}`)
  return store
}

