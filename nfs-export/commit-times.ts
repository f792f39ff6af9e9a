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
import type { CommitInfo } from '../core/commit.js'
import type { Dir } from '../core/dir.js'

const CACHED_DIRECTORIES = 64
/** Own commits whose changed paths are remembered (advancing needs only the newest few). */
const HINTS = 16

/** The dates of a directory's names: those in `dates`, else `rest` (the oldest date the walk reached). */
interface Times {
  dates: Map<string, number>
  rest: number
  /** The directory as of the head: names not in it have no date. */
  dir: Dir | undefined
}

interface Known {
  head: string
  times: Promise<Times>
}

export class CommitTimes {
  /** Per directory: the times as of some head (the most recently used directories). */
  private readonly cache = new Map<string, Known>()
  /** The paths each of the export's own recent commits changed: advancing over one needs no diff. */
  private readonly hints = new Map<string, readonly (readonly string[])[]>()

  constructor(
    private readonly repo: Repo<Uint8Array>,
    private readonly store: Store<Uint8Array>,
    private readonly depth = 200,
    private readonly maxLookups = 50_000,
  ) {}

  /** Notes the paths commit `id` (the export's own, one on from its parent) changed. */
  changed(id: string, paths: readonly (readonly string[])[]): void {
    this.hints.set(id, paths)
    if (this.hints.size > HINTS) this.hints.delete(this.hints.keys().next().value!)
  }

  /** The date (ms) of the commit that last changed `dir/name` (a name in `head`), as of `head`. */
  async of(head: string | undefined, dir: string[], name: string): Promise<number | undefined> {
    return (await this.in(head, dir))(name)
  }

  /** `of` for the names of one directory: the history is read once, each name's date looked up. */
  async in(head: string | undefined, dir: string[]): Promise<(name: string) => number | undefined> {
    if (head === undefined) return () => undefined
    const found = await this.timesAt(head, dir)
    return name => found.dates.get(name) ?? (found.dir?.get(name) !== undefined ? found.rest : undefined)
  }

  private timesAt(head: string, dir: string[]): Promise<Times> {
    const key = dir.join('/')
    const known = this.cache.get(key)
    let times: Promise<Times>
    if (known?.head === head) times = known.times
    else {
      // A few commits on from what is known (NFS's own commits, mostly): carry the times over and
      // date what those commits changed. Anything else: walk the history again.
      times = known ? this.advance(known, head, dir).then(t => t ?? this.walk(dir)) : this.walk(dir)
      this.cache.delete(key)
      this.cache.set(key, { head, times })
      times.catch(() => this.cache.delete(key))
      if (this.cache.size > CACHED_DIRECTORIES) this.cache.delete(this.cache.keys().next().value!)
    }
    return times
  }

  /**
   * The times at `head` from those at `known.head`; undefined when `head` is not a few
   * single-parent commits on from it (then the caller walks the history).
   */
  private async advance(known: Known, head: string, dir: string[]): Promise<Times | undefined> {
    const chain: CommitInfo[] = []
    for (let id = head; id !== known.head; ) {
      if (chain.length >= HINTS) return undefined
      const commit = await this.repo.readCommit(id)
      if (commit.parents.length !== 1) return undefined
      chain.push(commit)
      id = commit.parents[0]
    }
    let times = await known.times
    let before = await this.repo.readCommit(known.head)
    for (const commit of chain.reverse()) {
      times = await this.step(times, before, commit, dir)
      before = commit
    }
    return times
  }

  /** The times after `commit` (one on from `before`). */
  private async step(times: Times, before: CommitInfo, commit: CommitInfo, dir: string[]): Promise<Times> {
    const [a, b] = await Promise.all([this.repo.treeOf(before.tree).findTree(dir), this.repo.treeOf(commit.tree).findTree(dir)])
    if (a?.hash() === b?.hash()) return times
    // In place: the cache keeps only the newest head's times, and copying a big directory's
    // dates per own commit cost O(n) per file saved.
    const next = times.dates
    const date = commit.date.getTime()
    // A directory of n entries costs O(n) to diff; our own commit says which names it touched.
    const names = this.touched(commit.id, dir) ?? (await (a ?? this.repo.emptyTree()).diff(b ?? this.repo.emptyTree())).map(change => change.path[0])
    for (const name of names) {
      const now = b && (await b.entryKey([name]))
      if (now === undefined) next.delete(name)
      else if (now !== (a && (await a.entryKey([name])))) next.set(name, date)
    }
    return { dates: next, rest: times.rest, dir: b && (await b.root()) }
  }

  /** The names in `dir` that the export's commit `id` may have changed; undefined: unknown, or `dir` itself replaced. */
  private touched(id: string, dir: string[]): Set<string> | undefined {
    const paths = this.hints.get(id)
    if (paths === undefined) return undefined
    const names = new Set<string>()
    for (const path of paths) {
      const shared = Math.min(path.length, dir.length)
      if (path.slice(0, shared).some((step, i) => step !== dir[i])) continue
      if (path.length <= dir.length) return undefined // `dir` or one above it was replaced
      names.add(path[dir.length])
    }
    return names
  }

  /**
   * Walks the history: where the directory's entry changed between two commits, the names whose
   * entries differ from the newest version are dated by the newer commit. Names the walk does not
   * resolve get the oldest date reached; a directory unchanged over the walk costs no per-name work.
   */
  private async walk(dir: string[]): Promise<Times> {
    const dates = new Map<string, number>()
    let newest: Dir | undefined
    let previousDir: string | undefined
    let lastMatch = 0
    let lookups = 0
    for await (const commit of this.store.history({ limit: this.depth })) {
      const tree = this.repo.treeOf(commit.tree)
      const dirKey = await tree.entryKey(dir)
      const date = commit.date.getTime()
      if (newest === undefined) {
        // The newest commit: the versions to trace back.
        const found = await tree.findTree(dir)
        if (found === undefined) return { dates, rest: date, dir: undefined }
        newest = await found.root()
      } else if (dirKey !== previousDir) {
        const older = await tree.findTree(dir)
        // Not here yet: the newer commit made the directory, the date of every name left (`rest`).
        if (older === undefined) break
        if ((lookups += newest.size) > this.maxLookups) break
        for (const entry of newest.changedNames(await older.root())) {
          if (!dates.has(entry) && newest.get(entry) !== undefined) dates.set(entry, lastMatch)
        }
      }
      previousDir = dirKey
      lastMatch = date
      if (dates.size === newest.size) break
    }
    return { dates, rest: lastMatch, dir: newest }
  }
}
