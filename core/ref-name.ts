/**
 * Ref and branch names follow `git check-ref-format`, so every branch is a valid git ref and a
 * store can always be exported to, or stored as, a real git repository.
 */
import { InvalidArgumentError, InvalidBranchNameError } from './errors.js'

export const BRANCH_PREFIX = 'refs/heads/'
const MAX_REF_LENGTH = 1024

/** The reason `name` is not a valid full ref name, or undefined when it is. */
export function refNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'a ref name is a string'
  if (name.length === 0) return 'empty name'
  if (name.length > MAX_REF_LENGTH) return `longer than ${MAX_REF_LENGTH} characters`
  if (name === '@') return '"@" is reserved'
  if (name.startsWith('/') || name.endsWith('/')) return 'begins or ends with "/"'
  if (name.endsWith('.')) return 'ends with "."'
  if (name.includes('//')) return 'contains "//"'
  if (name.includes('..')) return 'contains ".."'
  if (name.includes('@{')) return 'contains "@{"'
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return 'contains a control character'
    if (' ~^:?*[\\'.includes(name[i])) return `contains "${name[i]}"`
  }
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `component "${part}" begins with "."`
    if (part.endsWith('.lock')) return `component "${part}" ends with ".lock"`
  }
  return undefined
}

// Names already checked: backends check the ref on every read, which is on the warm-read path.
const checked = new Set<string>()

/** For backends: throws unless `name` is a full ref name (`refs/...`). */
export function checkRefName(name: unknown): asserts name is string {
  if (checked.has(name as string)) return
  const problem = refNameProblem(name)
  if (problem) throw new InvalidArgumentError(`invalid ref name ${JSON.stringify(name)}: ${problem}`)
  if (!(name as string).startsWith('refs/')) throw new InvalidArgumentError(`invalid ref name ${JSON.stringify(name)}: must start with "refs/"`)
  if (checked.size > 10_000) checked.clear()
  checked.add(name as string)
}

/** Throws `InvalidBranchNameError` unless `name` is a branch name git would accept. */
export function validateBranchName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new InvalidBranchNameError(name, 'a branch name is a string')
  if (name.startsWith('-')) throw new InvalidBranchNameError(name, 'begins with "-"')
  if (name === 'HEAD') throw new InvalidBranchNameError(name, '"HEAD" is reserved')
  const problem = refNameProblem(name)
  if (problem) throw new InvalidBranchNameError(name, problem)
}

export function branchRef(branch: string): string {
  validateBranchName(branch)
  return BRANCH_PREFIX + branch
}
