import type { FsckReport } from '../../index.js'
import type { Command } from '../command.js'
import { DamageFoundError } from '../errors.js'
import { phasedProgressBar } from '../progress.js'
import { countObjects } from '../store/objects.js'
import { withStore } from '../store/open.js'

export const fsck: Command = {
  name: 'fsck',
  usage: '',
  summary: 'check every object and ref; exit 1 when the store is damaged',
  description: [
    'Reads every object and checks that it hashes to its id and parses as its type, that every',
    'ref names a commit that is there, and that everything a ref reaches is there. Parents that',
    'gc dropped on purpose (the recorded history boundary) are not damage. Prints how many',
    'objects were checked, the refs, the reachable objects and the boundary commits, then one',
    'line per problem ("KIND: what is wrong", naming the object or ref). Exits 0 when the store',
    'is sound and 1 when it is damaged, so that scripts can test it.',
  ].join('\n'),
  args: [0, 0],
  async run({ globals, out }) {
    const report = await withStore(globals, async ({ repo }) => {
      const bar = await phasedProgressBar('fsck', () => countObjects(repo))
      try {
        return await repo.fsck({ onProgress: ({ phase, done }) => bar.update(phase, done) })
      } finally {
        bar.stop()
      }
    })
    out.result(report, describe)
    if (report.damage.length > 0) throw new DamageFoundError(report.damage.length)
  },
}

function describe(report: FsckReport): string[] {
  return [
    `objects    ${report.objects} checked`,
    `refs       ${report.refs}`,
    `reachable  ${report.reachable} objects`,
    `boundary   ${report.boundary.length} commit${report.boundary.length === 1 ? '' : 's'}`,
    ...report.damage.map(damage => `${damage.kind}: ${damage.message}`),
  ]
}
