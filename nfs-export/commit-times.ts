/**
 * When each file last changed: the date of the newest commit that gave it its current version,
 * found by walking the history of its directory (at most `depth` commits; a file unchanged for
 * longer gets the oldest date seen). One walk answers for every name in a directory, and is
 * kept per (directory, head), so a listing of 10,000 entries walks once.
 *
 * Per commit the walk compares the directory's own entry (mode and id) with the newer commit's;
 * only where the directory changed does it look at the names still unresolved, and it stops
 * after `maxLookups` such looks (a big directory changing in every commit), giving the rest the
 * oldest date reached. History runs in date order, merges included: for a merge the result is
 * the date the version arrived.
 */
import type { Repo } from '../core/repo.js'
import type { Store } from '../core/store.js'

const CACHED_DIRECTORIES = 64

interface Known {
  head: string
  times: Promise<Map<string, number>>
}

export class CommitTimes {
  /** Per directory: the times as of some head (the most recently used directories). */
  private readonly cache = new Map<string, Known>()

  constructor(
    private readonly repo: Repo<Uint8Array>,
    private readonly store: Store<Uint8Array>,
    private readonly depth = 200,
    private readonly maxLookups = 50_000,
  ) {}

  /** The date (ms) of the commit that last changed `dir/name`, as of `head`; undefined: not in `head`. */
  async of(head: string | undefined, dir: string[], name: string): Promise<number | undefined> {
    if (head === undefined) return undefined
    const key = dir.join('/')
    const known = this.cache.get(key)
    let times: Promise<Map<string, number>>
    if (known?.head === head) times = known.times
    else {
      // One commit on from what is known (NFS's own commits, mostly): carry the times over and
      // date what that commit changed. Anything else: walk the history again.
      times = known ? this.advance(known, head, dir).then(t => t ?? this.walk(dir)) : this.walk(dir)
      this.cache.delete(key)
      this.cache.set(key, { head, times })
      times.catch(() => this.cache.delete(key))
      if (this.cache.size > CACHED_DIRECTORIES) this.cache.delete(this.cache.keys().next().value!)
    }
    return (await times).get(name)
  }

  /** The times at `head` from those at its parent; undefined when `head` is not one commit on. */
  private async advance(known: Known, head: string, dir: string[]): Promise<Map<string, number> | undefined> {
    const commit = await this.repo.readCommit(head)
    if (commit.parents.length !== 1 || commit.parents[0] !== known.head) return undefined
    const [before, after] = await Promise.all([this.repo.readCommit(known.head), known.times])
    const [a, b] = await Promise.all([this.repo.treeOf(before.tree).findTree(dir), this.repo.treeOf(commit.tree).findTree(dir)])
    const times = new Map(after)
    if (a?.hash() === b?.hash()) return times
    const date = commit.date.getTime()
    for (const change of await (a ?? this.repo.emptyTree()).diff(b ?? this.repo.emptyTree())) {
      const name = change.path[0]
      if (b && (await b.entryKey([name])) !== undefined) times.set(name, date)
      else times.delete(name)
    }
    return times
  }

  private async walk(dir: string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>()
    let want: Map<string, string | undefined> | undefined
    let previousDir: string | undefined
    let lastMatch = 0
    let lookups = 0
    for await (const commit of this.store.history({ limit: this.depth })) {
      const tree = this.repo.treeOf(commit.tree)
      const dirKey = await tree.entryKey(dir)
      const date = commit.date.getTime()
      if (want === undefined) {
        // The newest commit: the versions to trace back.
        want = new Map()
        for (const name of await tree.list(dir)) want.set(name, await tree.entryKey([...dir, name]))
      } else if (dirKey !== previousDir) {
        if ((lookups += want.size) > this.maxLookups) break
        for (const [name, version] of want) {
          if ((await tree.entryKey([...dir, name])) === version) continue
          result.set(name, lastMatch)
          want.delete(name)
        }
      }
      previousDir = dirKey
      lastMatch = date
      if (want.size === 0) break
    }
    for (const name of want?.keys() ?? []) result.set(name, lastMatch)
    return result
  }
}
