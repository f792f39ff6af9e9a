/**
 * The changes between two commits as the API gives them (`/api/diff/A/B`, and `/api/changes/C`:
 * a commit against its first parent, or against the empty tree for a root commit). Values larger
 * than DIFF_VALUE_LIMIT are left out (their size is given); at most DIFF_CHANGES_MAX changes.
 */
import { formatPath, type Repo, type Tree } from '../../index.js'
import type { ApiDiff } from '../../web/inspector/api-types.js'
import { encodeValue } from './encode.js'

const DIFF_VALUE_LIMIT = 256 * 1024
const DIFF_CHANGES_MAX = 1000

export async function diffCommits(repo: Repo<Uint8Array>, a: string | null, b: string): Promise<ApiDiff> {
  const treeOf = async (id: string | null): Promise<Tree<Uint8Array>> => (id === null ? repo.emptyTree() : repo.treeOf((await repo.readCommit(id)).tree))
  const [ta, tb] = await Promise.all([treeOf(a), treeOf(b)])
  const changes = await ta.diff(tb)
  return {
    a,
    b,
    truncated: changes.length > DIFF_CHANGES_MAX,
    changes: changes.slice(0, DIFF_CHANGES_MAX).map(change => ({
      path: formatPath(change.path),
      kind: change.kind,
      ...(change.before === undefined ? {} : { before: encodeValue(change.before, DIFF_VALUE_LIMIT) }),
      ...(change.after === undefined ? {} : { after: encodeValue(change.after, DIFF_VALUE_LIMIT) }),
    })),
  }
}
