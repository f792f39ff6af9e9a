import type { GcReport } from '../../index.js'
import { integerOption } from '../args.js'
import { type Command, stringOption } from '../command.js'
import { formatSize } from '../format/size.js'
import { phasedProgressBar } from '../progress.js'
import { parseSince } from '../since.js'
import { countObjects } from '../store/objects.js'
import { withStore } from '../store/open.js'

export const gc: Command = {
  name: 'gc',
  usage: '[--keep-commits N] [--keep-since WHEN] [--prune-expire WHEN]',
  summary: 'delete what no branch reaches, and history outside a window',
  description: [
    'Garbage collection: keeps every object a branch reaches and deletes the rest (the commits of',
    'a deleted branch, say). With a window, each branch also keeps only its newest N commits',
    '(--keep-commits) and/or the commits made since WHEN (--keep-since; both given: both limits',
    'apply, and a branch head always stays); older history goes, and log ends where the window',
    'does, as in a shallow git clone. Commit ids never change. Annotated tags keep what they tag;',
    'on a git repository, what its reflogs and index name stays too, and so does every object',
    'written since the grace period began (--prune-expire, as git gc --prune; default two weeks',
    'ago): it protects objects other processes are writing. Prints how many objects were',
    'scanned, kept and removed, how many the grace period kept, the bytes freed, the time taken,',
    'and how many commits now end history (the boundary).',
  ].join('\n'),
  options: {
    'keep-commits': { type: 'string', value: 'N', help: 'per branch, keep the newest N commits (N ≥ 1)' },
    'keep-since': {
      type: 'string',
      value: 'WHEN',
      help: 'per branch, keep the commits made since WHEN: a duration back from now (90m, 12h, 30d, 2w) or a date (2026-01-01, UTC)',
    },
    'prune-expire': {
      type: 'string',
      value: 'WHEN',
      help: 'keep unreachable objects written since WHEN: now, never, a duration back from now (2w) or a date (git repositories; default 2w)',
    },
  },
  args: [0, 0],
  async run(ctx) {
    const { globals, out } = ctx
    const commitsText = stringOption(ctx, 'keep-commits')
    const sinceText = stringOption(ctx, 'keep-since')
    const keepCommits = commitsText === undefined ? undefined : integerOption('keep-commits', commitsText, 1, Number.MAX_SAFE_INTEGER)
    const keepSince = sinceText === undefined ? undefined : parseSince(sinceText, new Date())
    const pruneExpire = parsePruneExpire(stringOption(ctx, 'prune-expire'))
    const report = await withStore(globals, async ({ repo }) => {
      const bar = await phasedProgressBar('gc', () => countObjects(repo))
      try {
        return await repo.gc({ keepCommits, keepSince, pruneExpire, onProgress: ({ phase, done }) => bar.update(phase, done) })
      } finally {
        bar.stop()
      }
    })
    out.result(report, describe)
  },
}

function describe(report: GcReport): string[] {
  return [
    `scanned   ${report.scanned} objects`,
    `kept      ${report.kept}`,
    `removed   ${report.removed} (${formatSize(report.bytesFreed)} freed)`,
    `young     ${report.keptYoung} unreachable kept for the grace period`,
    `boundary  ${report.boundary.length} commit${report.boundary.length === 1 ? '' : 's'} where history now ends`,
    `took      ${(report.durationMs / 1000).toFixed(2)} s`,
  ]
}

/** git's `--prune=<date>` spellings: `now` deletes whatever is unreachable, `never` nothing by age. */
function parsePruneExpire(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined
  if (text === 'now') return new Date()
  if (text === 'never') return new Date(-8.64e15)
  return parseSince(text, new Date(), 'prune-expire', 'now, never, ')
}
