/**
 * Resuming a git fetch in steps. A pack lists commits first, so an interrupted fetch has seen
 * the commits it was getting even when none of them arrived whole. Their ids (first-parent line
 * from each want, oldest first) are kept as the plan, a JSON blob named by
 * `refs/irmin/resume-plan/<remote>`. The next attempt (a retry, or the next `irmin fetch`) first
 * fetches the planned commits in a few steps, oldest first — each a small pack that lands whole
 * and is kept under a resume ref, so the steps after it and the final fetch name it as a have —
 * and an interruption then loses at most one step. A server must accept wants of commits that no
 * ref names (protocol v2 servers and git over HTTP do); the fetch ends with the real wants anyway.
 */
import { frameObject, type Repo, unframeObject } from '../../core/index.js'
import { moveRef } from '../../sync/client/fetch.js'

export const PLAN_PREFIX = 'refs/irmin/resume-plan/'
/** How many steps the planned commits are fetched in. */
export const PLAN_STEPS = 8

type AnyRepo = Pick<Repo<unknown>, 'backend' | 'objects' | 'refMoved'>

export async function readPlan(repo: AnyRepo, remote: string): Promise<string[]> {
  const id = await repo.backend.getRef(PLAN_PREFIX + remote)
  if (id === undefined) return []
  const [framed] = await repo.backend.getObjects([id])
  if (!framed) return []
  const parsed = JSON.parse(new TextDecoder().decode(unframeObject(id, framed).body)) as { commits?: unknown }
  return Array.isArray(parsed.commits) ? parsed.commits.filter((c): c is string => typeof c === 'string' && /^[0-9a-f]{40}$/.test(c)) : []
}

/** Keeps `commits` (oldest first) as the plan, unless one is kept already (it covers more). */
export async function savePlan(repo: AnyRepo, remote: string, commits: readonly string[]): Promise<void> {
  if (commits.length === 0 || (await repo.backend.getRef(PLAN_PREFIX + remote)) !== undefined) return
  const framed = frameObject('blob', new TextEncoder().encode(JSON.stringify({ commits })))
  const id = repo.objects.hash(framed)
  await repo.objects.write([[id, framed]])
  await moveRef(repo, PLAN_PREFIX + remote, id)
}

export async function clearPlan(repo: AnyRepo, remote: string): Promise<void> {
  await moveRef(repo, PLAN_PREFIX + remote, undefined)
}

/** The planned commits to fetch as steps: the store's missing ones, every n-th, oldest first. */
export async function planSteps(repo: AnyRepo, plan: readonly string[]): Promise<string[]> {
  const present = plan.length === 0 ? [] : await repo.backend.hasObjects([...plan])
  const missing = plan.filter((_, i) => !present[i])
  const every = Math.max(1, Math.ceil(missing.length / PLAN_STEPS))
  const steps: string[] = []
  for (let i = every - 1; i < missing.length; i += every) steps.push(missing[i]!)
  return steps
}
