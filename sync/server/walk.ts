/**
 * The fetch walk (sync/PROTOCOL.md, POST fetch): from the wants, down to what the haves already
 * give the client. Frames go out children before parents: a commit's new trees and blobs, then
 * the commit, and a parent commit before its child, so any prefix of the stream is closed.
 *
 * Incremental: a commit's tree is compared with the tree of a parent the client has (a have, or a
 * commit sent earlier in the stream): entries with the same id at the same path are not sent, nor
 * looked into. An object is sent once per stream.
 */
import { type Repo, readShallow, topologicalOrder } from '../../core/index.js'
import { SyncError } from '../errors.js'
import type { Filter } from '../filter.js'
import { type Frame, FrameKind } from '../frames.js'
import { ObjectReader } from './object-reader.js'
import { changedEntries } from './tree-changes.js'
import { encodeTreeDelta } from '../tree-delta.js'
import { bodyOf, type ReadAhead, readAhead } from './read-ahead.js'
import { RecentMap } from '../../core/recent-map.js'
import { type CachedCommit, commitCache } from './commit-cache.js'

export interface FetchRequest {
  readonly wants: readonly string[]
  readonly haves: readonly string[]
  readonly depth?: number
  readonly filter: Filter
  /** The client takes TREE_DELTA frames. */
  readonly treeDeltas?: boolean
  /** The client's own history boundary (a shallow git clone's): it lacks these commits' parents. */
  readonly clientShallow?: readonly string[]
}

export interface FrameSink {
  write(frame: Frame): Promise<void>
  /**
   * Optional: takes the ids of blobs to send instead of OBJECT frames of them, so the walk does not
   * read them (git's upload-pack lists a pack's objects first, to count them, then reads them).
   */
  blobIds?(ids: readonly string[]): Promise<void>
  /**
   * Optional: told, just before tree `id` is written whole, that the client holds (or was sent)
   * tree `base` at the same path — a good delta base (git's packs deltify trees against it).
   */
  reference?(id: string, base: string): void
  /** The client went away: stop walking. */
  readonly gone: boolean
}

interface CommitNode {
  readonly id: string
  readonly parents: readonly string[]
  readonly tree: string
  readonly framed: Uint8Array
  shallow: boolean
}

const BATCH = 512

export async function walkFetch(repo: Repo<Uint8Array>, request: FetchRequest, sink: FrameSink): Promise<void> {
  await new FetchWalk(repo, request, sink).run()
}

class FetchWalk {
  private readonly reader: ObjectReader
  private readonly commits: RecentMap<string, CachedCommit>
  /** Ids sent in this stream. */
  private readonly sent = new Set<string>()
  /** Commits the client has (reachable from its haves, on this server), with their trees. */
  private readonly had = new Map<string, string>()
  private serverShallow = new Set<string>()
  private clientShallow = new Set<string>()

  constructor(
    repo: Repo<Uint8Array>,
    private readonly request: FetchRequest,
    private readonly sink: FrameSink,
  ) {
    this.reader = new ObjectReader(repo.backend)
    this.commits = commitCache(repo.backend)
    this.repo = repo
  }

  private readonly repo: Repo<Uint8Array>

  async run(): Promise<void> {
    this.serverShallow = new Set(await readShallow(this.repo.objects))
    this.clientShallow = new Set(this.request.clientShallow)
    const peeled = await this.peel(this.request.wants)
    await this.markHad()
    const commits = await this.commitsToSend(peeled.commits)
    const kind = this.request.filter.kind
    // Without a path filter, each run of commits' trees and blobs are read while the run before is sent.
    const aheadOf = kind === 'none' || kind === 'blob:none' ? this.readAheadOf(commits, kind === 'none' && !this.sink.blobIds) : undefined
    const runs = runsOf(commits.length)
    let next = runs.length > 0 ? aheadOf?.(...runs[0]!) : undefined
    for (let r = 0; r < runs.length; r++) {
      const [start, end] = runs[r]!
      this.ahead = next === undefined ? undefined : await next
      next = r + 1 < runs.length ? aheadOf?.(...runs[r + 1]!) : undefined
      for (const commit of commits.slice(start, end)) {
        if (this.sink.gone) return
        if (kind !== 'tree:0') {
          const reference = commit.parents.map(p => this.treeKnownOf(p)).find(t => t !== undefined)
          await this.sendTree(commit.tree, reference, kind === 'path' ? this.request.filter.path : [])
        }
        if (commit.shallow) await this.sink.write({ kind: FrameKind.shallow, id: commit.id })
        await this.send(commit.id, commit.framed)
        this.sentTrees.set(commit.id, commit.tree)
      }
    }
    this.ahead = undefined
    for (const id of peeled.trees) await this.sendTree(id, undefined, [])
    if (this.request.filter.kind === 'none') await this.sendBlobs(peeled.blobs)
    // Tags last: each after what it tags (its target is sent above, or a tag sent before it).
    for (const [id, framed] of peeled.tags) await this.send(id, framed)
  }

  /** What `readAhead` read for the run of commits being sent. */
  private ahead: ReadAhead | undefined

  /**
   * Reads ahead the run of commits `start` to `end`: their root trees against the trees the
   * walk will compare them with (a had parent's, or a parent's sent before them).
   */
  private readAheadOf(commits: readonly CommitNode[], blobs: boolean): (start: number, end: number) => Promise<ReadAhead> {
    const order = new Map(commits.map((c, i) => [c.id, i]))
    return (start, end) => {
      const roots = commits.slice(start, end).map(commit => {
        const index = order.get(commit.id)!
        const parent = commit.parents
          .map(p => {
            const at = order.get(p)
            return this.had.get(p) ?? (at !== undefined && at < index ? commits[at]!.tree : undefined)
          })
          .find(t => t !== undefined)
        return [commit.tree, parent] as const
      })
      const known = (id: string) => this.recentTrees.get(id) ?? this.ahead?.objects.get(id)
      // A failed read ahead is only a cache miss: the walk reads for itself.
      return readAhead(this.repo.backend, roots, known, { blobs, deltas: this.request.treeDeltas === true }).catch(() => ({ objects: new Map(), changes: new Map() }))
    }
  }

  /** The tree of commit `id` when the client holds it: a had commit, or one sent already. */
  private treeKnownOf(id: string): string | undefined {
    return this.had.get(id) ?? this.sentTrees.get(id)
  }

  private readonly sentTrees = new Map<string, string>()

  private async send(id: string, framed: Uint8Array): Promise<void> {
    this.sent.add(id)
    await this.sink.write({ kind: FrameKind.object, id, bytes: framed })
  }

  /** Sorts the wants by type; a tag is followed to what it tags. An absent want is `ENOTFOUND`. */
  private async peel(wants: readonly string[]) {
    const commits: string[] = []
    const trees: string[] = []
    const blobs: string[] = []
    const tags: Array<[string, Uint8Array]> = []
    let queue = [...new Set(wants)]
    while (queue.length > 0) {
      const framed = await this.reader.raw(queue)
      const next: string[] = []
      queue.forEach((id, i) => {
        const bytes = framed[i]
        if (bytes === undefined) throw new SyncError('ENOTFOUND', `this server does not have ${id}`)
        const { type, body } = ObjectReader.type(id, bytes)
        if (type === 'commit') commits.push(id)
        else if (type === 'tree') trees.push(id)
        else if (type === 'blob') blobs.push(id)
        else {
          tags.unshift([id, bytes])
          const target = /^object ([0-9a-f]{40})\n/.exec(new TextDecoder().decode(body.subarray(0, 48)))?.[1]
          if (target !== undefined) next.push(target)
        }
      })
      queue = next
    }
    return { commits, trees, blobs, tags }
  }

  /** Every commit reachable from the haves that this server has (unknown haves are ignored). */
  private async markHad(): Promise<void> {
    let queue = [...new Set(this.request.haves)]
    while (queue.length > 0) {
      const batch = queue.splice(0, BATCH)
      const framed = await this.reader.raw(batch)
      batch.forEach((id, i) => {
        const bytes = framed[i]
        if (bytes === undefined || this.had.has(id)) return
        const { type } = ObjectReader.type(id, bytes)
        if (type !== 'commit') return
        const links = ObjectReader.links(id, bytes)
        this.had.set(id, links.tree)
        if (!this.serverShallow.has(id) && !this.clientShallow.has(id)) for (const parent of links.parents) if (!this.had.has(parent)) queue.push(parent)
      })
      if (queue.length > BATCH * 8) queue = [...new Set(queue)]
    }
  }

  /**
   * The commits to send, parents first: from the wants, stopping at had commits, at the depth
   * limit and at the server's own boundary (those get SHALLOW frames).
   */
  private async commitsToSend(wants: readonly string[]): Promise<CommitNode[]> {
    const depth = this.request.depth
    const found = new Map<string, CommitNode>()
    const order: CommitNode[] = []
    let level = wants.filter(id => !this.had.has(id))
    for (let distance = 1; level.length > 0; distance++) {
      const next: string[] = []
      for (let start = 0; start < level.length; start += BATCH) {
        const batch = level.slice(start, start + BATCH).filter(id => !found.has(id))
        const read = this.readCommits(batch)
        const commits = Array.isArray(read) ? read : await read
        for (let i = 0; i < batch.length; i++) {
          const id = batch[i]!
          const commit = commits[i]
          if (commit === undefined || found.has(id)) continue // a parent past this server's boundary
          const node: CommitNode = { id, tree: commit.tree, parents: commit.parents, framed: commit.framed, shallow: false }
          found.set(id, node)
          order.push(node)
          const cut = this.serverShallow.has(id) || (depth !== undefined && distance >= depth)
          const missing = commit.parents.filter(p => !this.had.has(p))
          if (cut) node.shallow = missing.length > 0
          else for (const parent of missing) next.push(parent)
        }
      }
      level = next
    }
    // A parent the server lacks (its boundary, recorded or not) ends that line of history too.
    for (const node of order) if (!node.shallow && node.parents.some(p => !this.had.has(p) && !found.has(p))) node.shallow = true
    return parentsFirst(order)
  }

  /**
   * The commits `ids` (undefined where this server lacks one), from the cache where it has them
   * (looked up before any await: a concurrent walk may push them out meanwhile), read otherwise
   * and cached. No await when all are cached: a linear history walks one commit per step.
   */
  private readCommits(ids: readonly string[]): Array<CachedCommit | undefined> | Promise<Array<CachedCommit | undefined>> {
    const got = ids.map(id => this.commits.get(id))
    const uncached = ids.filter((_, i) => got[i] === undefined)
    if (uncached.length === 0) return got
    return this.reader.raw(uncached).then(read => {
      let j = 0
      return got.map((cached, i) => {
        if (cached !== undefined) return cached
        const bytes = read[j++]
        if (bytes === undefined) return undefined
        // A copy: what a backend read may be a view of a larger buffer that the cache must not keep.
        const commit = { ...ObjectReader.links(ids[i]!, bytes), framed: new Uint8Array(bytes) }
        this.commits.set(ids[i]!, commit)
        return commit
      })
    })
  }


  /**
   * Sends tree `id` after everything below it the client lacks: `reference` is the tree the
   * client has at the same path (entries equal to its entries are skipped). `path` (a path
   * filter) is the part of the path still to go down: only that entry is followed.
   */
  private async sendTree(id: string, reference: string | undefined, path: readonly string[]): Promise<void> {
    if (id === reference || this.sent.has(id)) return
    const [framed, refFramed] = await this.trees(reference === undefined ? [id] : [id, reference])
    if (framed === undefined) throw new SyncError('EINTERNAL', `tree ${id} is missing from the server's store`)
    // The read ahead's comparison of this tree, when it compared it with the same reference.
    const comparison = this.ahead?.changes.get(id)
    const made = comparison?.reference === reference ? comparison : undefined
    if (path.length > 0) {
      const step = ObjectReader.entries(id, framed).find(e => e.name === path[0] && e.isTree)
      const before = refFramed === undefined ? undefined : ObjectReader.entries(reference!, refFramed).find(e => e.name === path[0] && e.isTree)
      if (step !== undefined) await this.sendTree(step.id, before?.id, path.slice(1))
    } else {
      const blobs: string[] = []
      const changed = made !== undefined ? made.changed : changedEntries(bodyOf(framed), refFramed && bodyOf(refFramed))
      for (const entry of changed) {
        if (entry.isGitlink || this.sent.has(entry.id)) continue
        if (entry.isTree) await this.sendTree(entry.id, entry.before, [])
        else if (this.request.filter.kind !== 'blob:none') blobs.push(entry.id)
      }
      await this.sendBlobs(blobs)
    }
    if (this.sink.gone) return
    this.recentTrees.set(id, framed)
    // The reference is a tree the client holds (a have's, or one sent before in this stream).
    const delta = !this.request.treeDeltas || refFramed === undefined ? undefined : made?.deltaMade ? made.delta : encodeTreeDelta(bodyOf(framed), bodyOf(refFramed))
    if (delta === undefined) {
      if (reference !== undefined && refFramed !== undefined) this.sink.reference?.(id, reference)
      return this.send(id, framed)
    }
    this.sent.add(id)
    await this.sink.write({ kind: FrameKind.treeDelta, id, base: reference!, delta })
  }

  /**
   * Trees sent lately: the next commit's walk compares with them (its parent's directories), so
   * they are kept rather than read and inflated again.
   */
  private readonly recentTrees = new RecentMap<string, Uint8Array>(RECENT_TREES)

  private trees(ids: string[]): Promise<Array<Uint8Array | undefined>> {
    return this.read(ids, id => this.recentTrees.get(id) ?? this.ahead?.objects.get(id))
  }

  /** The objects `ids`: those `inMemory` has, and the rest read from the store. */
  private async read(ids: readonly string[], inMemory: (id: string) => Uint8Array | undefined): Promise<Array<Uint8Array | undefined>> {
    const known = ids.map(inMemory)
    if (known.every(k => k !== undefined)) return known
    const read = await this.reader.raw(ids.filter((_, i) => known[i] === undefined))
    let next = 0
    return known.map(k => k ?? read[next++])
  }

  private async sendBlobs(ids: readonly string[]): Promise<void> {
    const unique = [...new Set(ids)].filter(id => !this.sent.has(id))
    if (this.sink.blobIds) {
      for (const id of unique) this.sent.add(id)
      return this.sink.blobIds(unique)
    }
    for (let start = 0; start < unique.length; start += BATCH) {
      const batch = unique.slice(start, start + BATCH)
      const framed = await this.read(batch, id => this.ahead?.objects.get(id))
      for (let i = 0; i < batch.length; i++) {
        const bytes = framed[i]
        if (bytes === undefined) throw new SyncError('EINTERNAL', `blob ${batch[i]} is missing from the server's store`)
        await this.send(batch[i], bytes)
      }
    }
  }
}

const RECENT_TREES = 8192
/** Commits per run read ahead (readAhead): a few megabytes of new trees and blobs in a typical history. */
const RUN = 128
/** The first run's commits: nothing goes out until it is read, so it is short, and runs double from it up to `RUN`. */
const FIRST_RUN = 2

/**
 * `order` (as the walk found them: each commit before its parents, unless a merge reached a
 * parent by a shorter path first) reversed into parents-first order. The found order reversed
 * is that order whenever it is valid, as on a linear history; else they are sorted.
 */
function parentsFirst(order: readonly CommitNode[]): CommitNode[] {
  const at = new Map<string, number>()
  order.forEach((node, i) => at.set(node.id, i))
  const valid = order.every((node, i) => node.parents.every(parent => (at.get(parent) ?? Infinity) > i))
  return valid ? [...order].reverse() : topologicalOrder(order).reverse()
}

/** The runs (start, end) of `count` commits: `FIRST_RUN` commits, then twice as many each time, up to `RUN`. */
function runsOf(count: number): Array<[number, number]> {
  const runs: Array<[number, number]> = []
  for (let start = 0, size = FIRST_RUN; start < count; start += size, size = Math.min(RUN, size * 2)) runs.push([start, Math.min(count, start + size)])
  return runs
}
