/**
 * The changes between two commits as the API gives them (`/api/diff/A/B`, and `/api/changes/C`:
 * a commit against its first parent, or against the empty tree for a root commit). Values larger
 * than DIFF_VALUE_LIMIT are left out (their size is given); text gets its line diff (git's hunks);
 * at most DIFF_CHANGES_MAX changes.
 */
import { isBinary, lineDiff, type LineHunk } from '../../core/line-diff.js'
import { formatPath, type Repo, type Tree } from '../../index.js'
import type { ApiDiff } from '../../web/inspector/api-types.js'
import { encodeValue, isUtf8 } from './encode.js'

const DIFF_VALUE_LIMIT = 256 * 1024
const DIFF_CHANGES_MAX = 1000
/** Text larger than this on either side gets no line diff (its sizes are given)… */
const HUNKS_VALUE_LIMIT = 1024 * 1024
/** … nor does any change once this much text was diffed for one reply, which stays bounded. */
const HUNKS_REPLY_LIMIT = 8 * 1024 * 1024

const utf8 = new TextDecoder()

export async function diffCommits(repo: Repo<Uint8Array>, a: string | null, b: string): Promise<ApiDiff> {
  const treeOf = async (id: string | null): Promise<Tree<Uint8Array>> => (id === null ? repo.emptyTree() : repo.treeOf((await repo.readCommit(id)).tree))
  const [ta, tb] = await Promise.all([treeOf(a), treeOf(b)])
  const changes = await ta.diff(tb)
  let budget = HUNKS_REPLY_LIMIT
  const hunksOf = (before: Uint8Array | undefined, after: Uint8Array | undefined): { hunks?: LineHunk[] } => {
    const size = (before?.length ?? 0) + (after?.length ?? 0)
    if (size > budget) return {}
    const hunks = textHunks(before, after)
    if (hunks) budget -= size
    return hunks ? { hunks } : {}
  }
  return {
    a,
    b,
    truncated: changes.length > DIFF_CHANGES_MAX,
    changes: changes.slice(0, DIFF_CHANGES_MAX).map(change => ({
      path: formatPath(change.path),
      kind: change.kind,
      ...(change.before === undefined ? {} : { before: encodeValue(change.before, DIFF_VALUE_LIMIT) }),
      ...(change.after === undefined ? {} : { after: encodeValue(change.after, DIFF_VALUE_LIMIT) }),
      ...hunksOf(change.before, change.after),
    })),
  }
}

/** The line diff of two values when both are text (an absent side is empty text). */
function textHunks(before: Uint8Array | undefined, after: Uint8Array | undefined): LineHunk[] | undefined {
  const sides = [before, after].filter((side): side is Uint8Array => side !== undefined)
  if (sides.some(side => side.length > HUNKS_VALUE_LIMIT || isBinary(side) || !isUtf8(side))) return undefined
  const text = (side: Uint8Array | undefined) => (side === undefined ? '' : utf8.decode(side))
  return lineDiff(text(before), text(after))
}
