/**
 * The PUSH frame's header (sync/PROTOCOL.md, `POST /sync/v1/push`): which branch ref to move, from
 * what, to what, and how. One parser, used by the server on what arrives and by the client (and
 * tests) before sending, so both refuse the same headers with the same words.
 */
import { BRANCH_PREFIX, isObjectId } from '../core/index.js'
import { refNameProblem } from '../core/ref-name.js'
import { BadRequestError } from './errors.js'

export type PushMode = 'fast-forward' | 'merge' | 'force'
export const PUSH_MODES: readonly PushMode[] = ['fast-forward', 'merge', 'force']

export interface PushHeader {
  readonly ref: string
  /** What the client believes the ref is (null: absent). Advisory, except as a force push's lease. */
  readonly old: string | null
  /** The commit the ref should name; null deletes the branch (mode `force` only). */
  readonly new: string | null
  readonly mode: PushMode
}

/** The push reply: the ref's value now (a merge commit after a merge push). */
export interface PushResult {
  readonly ref: string
  readonly old: string | null
  readonly new: string | null
  readonly merged: boolean
}

/** `json` checked as a push header; `BadRequestError` says what is wrong with it. */
export function parsePushHeader(json: unknown): PushHeader {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new BadRequestError('the PUSH header must be a JSON object')
  const { ref, old = null, new: next, mode = 'fast-forward' } = json as Record<string, unknown>
  if (typeof ref !== 'string' || !ref.startsWith(BRANCH_PREFIX) || ref === BRANCH_PREFIX || refNameProblem(ref) !== undefined) {
    throw new BadRequestError(`a push moves a branch ref (refs/heads/…), not ${JSON.stringify(ref)}`)
  }
  for (const [name, value] of [['old', old], ['new', next]] as const) {
    if (value !== null && !(typeof value === 'string' && isObjectId(value))) {
      throw new BadRequestError(`the PUSH header's "${name}" must be a 40-hex object id or null, not ${JSON.stringify(value)}`)
    }
  }
  if (next === undefined) throw new BadRequestError('the PUSH header needs "new" (an id, or null to delete)')
  if (!PUSH_MODES.includes(mode as PushMode)) throw new BadRequestError(`unknown push mode ${JSON.stringify(mode)}: use ${PUSH_MODES.join(', ')}`)
  if (next === null && mode !== 'force') throw new BadRequestError('deleting a branch (new: null) needs mode "force"')
  return { ref, old: old as string | null, new: next as string | null, mode: mode as PushMode }
}
