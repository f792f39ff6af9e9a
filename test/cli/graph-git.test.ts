/**
 * `irmin log --graph --all` against `git log --graph --date-order --all` on the same repository,
 * with histories whose commits share a committer second (merges and the heads they include,
 * criss-cross merges): the rows in git's order, never a parent before its child, and git's lines.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CommitInfo, Contents, openMemoryBackend, Repo, topologicalOrder } from '../../index.js'
import { git, importFromGit, initBareRepo, removeDir } from '../helpers/git.js'
import { ensureBuilt, irmin } from '../helpers/irmin-cli.js'

/** A commit to make: its parents (indexes of earlier commits) and its committer second. */
interface Spec {
  parents: number[]
  second: number
}

/** Makes the commits with git and points branch `b<i>` at each commit index in `heads`. */
function makeHistory(gitDir: string, specs: readonly Spec[], heads: readonly number[]): string[] {
  const emptyTree = git(gitDir, ['mktree'], '').trim()
  const ids: string[] = []
  for (const [i, { parents, second }] of specs.entries()) {
    const date = `${1_600_000_000 + second} +0000`
    const env = { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }
    ids.push(git(gitDir, ['commit-tree', emptyTree, ...parents.flatMap(p => ['-p', ids[p]]), '-m', `c${i}`], undefined, env).trim())
  }
  heads.forEach((head, i) => git(gitDir, ['update-ref', `refs/heads/b${i}`, ids[head]]))
  // HEAD names no branch, so `git log --all` starts from the branches alone, as `irmin log --all` does.
  git(gitDir, ['symbolic-ref', 'HEAD', 'refs/heads/no-such-branch'])
  return ids
}

function gitGraph(gitDir: string): string {
  // git pads some graph lines with spaces; irmin does not.
  return git(gitDir, ['log', '--graph', '--date-order', '--all', '--format=%s']).trimEnd().replace(/ +$/gm, '')
}

/** A merge and the branch head it includes share a second; so do its first parent and the fork point. */
const EQUAL_SECOND_MERGE: { specs: Spec[]; heads: number[] } = {
  specs: [
    { parents: [], second: 0 },
    { parents: [0], second: 10 },
    { parents: [0], second: 10 },
    { parents: [1, 2], second: 10 },
  ],
  // b0 → the merged-in head (sorts before b1, the merge), so a walk by date alone shows it first.
  heads: [2, 3],
}

describe('irmin log --graph --all draws what git log --graph --date-order --all draws', () => {
  let gitDir: string
  beforeAll(async () => {
    await ensureBuilt()
    gitDir = initBareRepo()
  })
  afterAll(() => removeDir(gitDir))

  it('when a merge and the head it includes share a second', async () => {
    makeHistory(gitDir, EQUAL_SECOND_MERGE.specs, EQUAL_SECOND_MERGE.heads)
    const r = await irmin(['--root', gitDir, 'log', '--graph', '--oneline', '--all'])
    expect(r.stderr).toBe('')
    // Drop the short ids and branch names that --oneline puts before each subject.
    const drawn = r.stdout.trimEnd().replace(/[0-9a-f]{7,} (\([^)]*\) )?/g, '')
    expect(drawn).toBe(gitGraph(gitDir))
    expect(drawn).toBe(['*   c3', '|\\', '* | c1', '| * c2', '|/', '* c0'].join('\n'))
  })
})

describe('graph order and drawing on random histories with shared seconds', () => {
  // Each commit picks 1–3 parents among earlier ones (criss-cross merges included) and one of a
  // few seconds: with `skew`, a parent may be younger than its child, as with a wrong clock.
  const histories = fc
    .record({
      shape: fc.array(fc.record({ picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), step: fc.nat({ max: 2 }) }), { minLength: 1, maxLength: 24 }),
      heads: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      skew: fc.boolean(),
      skewSeconds: fc.array(fc.nat({ max: 6 }), { minLength: 24, maxLength: 24 }),
    })
    .map(({ shape, heads, skew, skewSeconds }) => {
      let second = 0
      const specs = shape.map(({ picks, step }, i): Spec => {
        second += step
        return { parents: i === 0 ? [] : [...new Set(picks.map(p => p % i))], second: skew ? skewSeconds[i] : second }
      })
      return { specs, heads: [...new Set(heads.map(h => h % specs.length))] }
    })

  /** Runs `check` on a fresh git repository holding the history, and a store imported from it. */
  async function withHistory(specs: readonly Spec[], heads: readonly number[], check: (gitDir: string, commits: CommitInfo[]) => void) {
    const gitDir = initBareRepo()
    try {
      makeHistory(gitDir, specs, heads)
      const backend = openMemoryBackend()
      await importFromGit(gitDir, backend)
      const repo = await Repo.open({ backend, contents: Contents.string })
      const commits: CommitInfo[] = []
      const branchHeads = await Promise.all((await repo.branches()).map(name => repo.branch(name).headId()))
      for await (const commit of repo.history(branchHeads as string[])) commits.push(commit)
      check(gitDir, commits)
    } finally {
      removeDir(gitDir)
    }
  }
  const subjects = (commits: readonly CommitInfo[]) => commits.map(c => c.message.trim()).join('\n')

  it('graph rows: every commit once, after all its children, even with clock skew', async () => {
    await fc.assert(
      fc.asyncProperty(histories, ({ specs, heads }) =>
        withHistory(specs, heads, (_, commits) => {
          const ordered = topologicalOrder(commits)
          expect(ordered.map(c => c.id).sort()).toEqual(commits.map(c => c.id).sort())
          const row = new Map(ordered.map((c, i) => [c.id, i]))
          for (const c of ordered) for (const p of c.parents) if (row.has(p)) expect(row.get(p)!).toBeGreaterThan(row.get(c.id)!)
        }),
      ),
      { numRuns: 40 },
    )
  })

  it('history() and graph rows without skew are git --date-order: never a parent before its child', async () => {
    await fc.assert(
      fc.asyncProperty(histories, ({ specs, heads }) => {
        const sorted = specs.map(spec => ({ ...spec, second: 0 }))
        return withHistory(sorted, heads, (gitDir, commits) => {
          expect(subjects(commits)).toBe(git(gitDir, ['log', '--date-order', '--all', '--format=%s']).trimEnd())
          expect(subjects(topologicalOrder(commits))).toBe(subjects(commits))
        })
      }),
      { numRuns: 40 },
    )
  })

  // git also moves a lane sideways (` \\ `, `|/|`) to join lanes early; our lanes join at the
  // commit, so the lines of a criss-cross can differ from git's while the rows agree.
  it('puts the rows of criss-cross merges sharing a second in git order', async () => {
    // c3 and c4 each merge c1 and c2, in both orders; c5 merges them; one second throughout.
    const specs: Spec[] = [
      { parents: [], second: 0 },
      { parents: [0], second: 0 },
      { parents: [0], second: 0 },
      { parents: [1, 2], second: 0 },
      { parents: [2, 1], second: 0 },
      { parents: [3, 4], second: 0 },
    ]
    await withHistory(specs, [1, 5], (gitDir, commits) => {
      const rows = subjects(topologicalOrder(commits))
      expect(rows).toBe(git(gitDir, ['log', '--graph', '--date-order', '--all', '--format=%s']).replace(/^[ |/\\*]+/gm, '').replace(/\n+/g, '\n').trim())
      expect(rows.indexOf('c5')).toBeLessThan(rows.indexOf('c3'))
    })
  })
})
