/**
 * What a transaction read, so that after losing its branch to another writer it can tell whether
 * its decisions still hold. Each read is kept as a path and what was asked of it; a read the
 * transaction's own earlier writes decide (at or below a path it set, removed or replaced) is not
 * kept, since no other writer can change its answer.
 *
 * Comparing two trees at the kept paths costs a few directory lookups per read (the ids along
 * each path), never a diff of the trees.
 */
import type { Path } from './path.js'
import type { Tree } from './tree.js'

/** `value`: get/find; `kind`: file, directory or nothing; `list`: the names in a directory; `tree`: a whole subtree. */
export type ReadKind = 'value' | 'kind' | 'list' | 'tree'

interface Read {
  readonly path: Path
  readonly kind: ReadKind
}

export class ReadSet {
  private readonly reads = new Map<string, Read>()
  /** Paths the transaction wrote, as `/a/b` (the root: ``). */
  private readonly written = new Set<string>()

  /** Notes a write of `path`: reads at or below it now see the transaction's own change. */
  wrote(path: Path): void {
    this.written.add(path.reduce((key, step) => `${key}/${step}`, ''))
  }

  /** Notes a read of `path`, unless the transaction's own writes decide its answer. */
  read(path: Path, kind: ReadKind): void {
    if (path.length === 0 && (kind === 'value' || kind === 'kind')) return // the root is always a directory
    let key = ''
    if (this.written.has(key)) return
    for (const step of path) {
      key += `/${step}`
      if (this.written.has(key)) return
    }
    const id = `${kind}${key}`
    if (!this.reads.has(id)) this.reads.set(id, { path: [...path], kind })
  }

  get size(): number {
    return this.reads.size
  }

  /** The paths of the reads that answer differently on `to` than on `from`, in the order read. */
  async changed<T>(from: Tree<T>, to: Tree<T>): Promise<Path[]> {
    if (this.reads.size === 0 || from.hash() === to.hash()) return []
    const reads = [...this.reads.values()]
    const differs = await Promise.all(reads.map(read => answersDiffer(read, from, to)))
    const seen = new Set<string>()
    const paths: Path[] = []
    reads.forEach((read, i) => {
      const key = read.path.join('/')
      if (!differs[i] || seen.has(key)) return
      seen.add(key)
      paths.push(read.path)
    })
    return paths
  }
}

async function answersDiffer<T>({ path, kind }: Read, from: Tree<T>, to: Tree<T>): Promise<boolean> {
  if (kind === 'kind') return (await from.kind(path)) !== (await to.kind(path))
  const [a, b] = await Promise.all([from.entryKey(path), to.entryKey(path)])
  if (a === b) return false
  if (kind !== 'list') return true
  // A directory whose contents changed may still list the same names.
  const [x, y] = await Promise.all([from.list(path), to.list(path)])
  return x.length !== y.length || x.some((name, i) => name !== y[i])
}
