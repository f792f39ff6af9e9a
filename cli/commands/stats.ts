import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { type ObjectType, unframeObject } from '../../index.js'
import type { Command } from '../command.js'
import { formatSize } from '../format/size.js'
import { withStore } from '../store/open.js'

const BATCH = 1000

export const stats: Command = {
  name: 'stats',
  usage: '',
  summary: 'count the objects, commits and branches, and their sizes',
  description: 'Counts every stored object by type with its size (as git frames it, uncompressed), the\nbranches, and the bytes the store takes on disk.',
  args: [0, 0],
  async run({ globals, out }) {
    const counted = await withStore(globals, async ({ repo, backend }) => {
      const byType: Record<ObjectType, { count: number; bytes: number }> = {
        commit: { count: 0, bytes: 0 },
        tree: { count: 0, bytes: 0 },
        blob: { count: 0, bytes: 0 },
        tag: { count: 0, bytes: 0 },
      }
      let ids: string[] = []
      const count = async () => {
        const objects = await repo.backend.getObjects(ids)
        objects.forEach((framed, i) => {
          if (!framed) return
          const kind = byType[unframeObject(ids[i], framed).type]
          kind.count++
          kind.bytes += framed.length
        })
        ids = []
      }
      for await (const id of repo.backend.objectIds()) {
        ids.push(id)
        if (ids.length >= BATCH) await count()
      }
      await count()
      return { backend, byType, branches: (await repo.branches()).length }
    })
    const objects = Object.values(counted.byType).reduce((sum, t) => ({ count: sum.count + t.count, bytes: sum.bytes + t.bytes }), { count: 0, bytes: 0 })
    const result = {
      root: globals.root,
      backend: counted.backend,
      objects: objects.count,
      objectBytes: objects.bytes,
      commits: counted.byType.commit.count,
      trees: counted.byType.tree.count,
      blobs: counted.byType.blob.count,
      tags: counted.byType.tag.count,
      bytesByType: Object.fromEntries(Object.entries(counted.byType).map(([type, t]) => [type, t.bytes])),
      branches: counted.branches,
      diskBytes: diskUsage(globals.root),
    }
    out.result(result, r => [
      `store     ${r.root} (${r.backend})`,
      `objects   ${r.objects} (${formatSize(r.objectBytes)})`,
      ...(['commit', 'tree', 'blob', 'tag'] as const)
        .filter(type => counted.byType[type].count > 0 || type !== 'tag')
        .map(type => `  ${`${type}s`.padEnd(8)}${String(counted.byType[type].count).padStart(6)}  ${formatSize(counted.byType[type].bytes)}`),
      `branches  ${r.branches}`,
      `on disk   ${formatSize(r.diskBytes)}`,
    ])
  },
}

function diskUsage(path: string): number {
  try {
    const info = lstatSync(path)
    if (!info.isDirectory()) return info.size
    return readdirSync(path).reduce((sum, name) => sum + diskUsage(join(path, name)), 0)
  } catch (error) {
    // Another process may remove files while we count (LevelDB compactions, git pack roll-ups).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
}
