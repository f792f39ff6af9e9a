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
import { DIR, type Dir } from '../../core/dir.js'

export interface FetchRequest {
  readonly wants: readonly string[]
  readonly haves: readonly string[]
  readonly depth?: number
  readonly filter: Filter
}

export interface FrameSink {
  write(frame: Frame): Promise<void>
  /** The client went away: stop walking. */
  readonly gone: boolean
}

interface CommitNode {
  readonly id: string
  readonly parents: string[]
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
  /** Ids sent in this stream. */
  private readonly sent = new Set<string>()
  /** Commits the client has (reachable from its haves, on this server), with their trees. */
  private readonly had = new Map<string, string>()
  private serverShallow = new Set<string>()

  constructor(
    repo: Repo<Uint8Array>,
    private readonly request: FetchRequest,
    private readonly sink: FrameSink,
  ) {
    this.reader = new ObjectReader(repo.backend)
    this.repo = repo
  }

  private readonly repo: Repo<Uint8Array>

  async run(): Promise<void> {
    this.serverShallow = new Set(await readShallow(this.repo.objects))
    const peeled = await this.peel(this.request.wants)
    await this.markHad()
    const commits = await this.commitsToSend(peeled.commits)
    for (const commit of commits) {
      if (this.sink.gone) return
      if (this.request.filter.kind !== 'tree:0') {
        const reference = commit.parents.map(p => this.treeKnownOf(p)).find(t => t !== undefined)
        await this.sendTree(commit.tree, reference, this.request.filter.kind === 'path' ? this.request.filter.path : [])
      }
      if (commit.shallow) await this.sink.write({ kind: FrameKind.shallow, id: commit.id })
      await this.send(commit.id, commit.framed)
      this.sentTrees.set(commit.id, commit.tree)
    }
    for (const id of peeled.trees) await this.sendTree(id, undefined, [])
    if (this.request.filter.kind === 'none') await this.sendBlobs(peeled.blobs)
    // Tags last: each after what it tags (its target is sent above, or a tag sent before it).
    for (const [id, framed] of peeled.tags) await this.send(id, framed)
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
        if (!this.serverShallow.has(id)) for (const parent of links.parents) if (!this.had.has(parent)) queue.push(parent)
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
        const framed = await this.reader.raw(batch)
        batch.forEach((id, i) => {
          const bytes = framed[i]
          if (bytes === undefined || found.has(id)) return // a parent past this server's boundary
          const { tree, parents } = ObjectReader.links(id, bytes)
          const node: CommitNode = { id, tree, parents, framed: bytes, shallow: false }
          found.set(id, node)
          order.push(node)
          const cut = this.serverShallow.has(id) || (depth !== undefined && distance >= depth)
          const missing = parents.filter(p => !this.had.has(p))
          if (cut) node.shallow = missing.length > 0
          else next.push(...missing)
        })
      }
      level = next
    }
    // A parent the server lacks (its boundary, recorded or not) ends that line of history too.
    for (const node of order) if (!node.shallow && node.parents.some(p => !this.had.has(p) && !found.has(p))) node.shallow = true
    return topologicalOrder(order).reverse()
  }

  /**
   * Sends tree `id` after everything below it the client lacks: `reference` is the tree the
   * client has at the same path (entries equal to its entries are skipped). `path` (a path
   * filter) is the part of the path still to go down: only that entry is followed.
   */
  private async sendTree(id: string, reference: string | undefined, path: readonly string[]): Promise<void> {
    if (id === reference || this.sent.has(id)) return
    // The reference is only compared with: its parse is taken from the cache when there (a
    // pushed tree is, see core/remember-arrived.ts), else read.
    const cachedRef = reference === undefined ? undefined : this.repo.objects.peek(reference, DIR)
    const [framed, refFramed] = await this.reader.raw(reference === undefined || cachedRef !== undefined ? [id] : [id, reference])
    if (framed === undefined) throw new SyncError('EINTERNAL', `tree ${id} is missing from the server's store`)
    const dir = this.repo.objects.peek(id, DIR) ?? ObjectReader.dir(id, framed)
    const known = cachedRef ?? (refFramed === undefined ? undefined : ObjectReader.dir(reference!, refFramed))
    if (path.length > 0) {
      const i = dir.indexOf(path[0], true)
      if (i >= 0 && dir.isTreeAt(i)) await this.sendTree(dir.idAt(i), known && treeRef(known, known.indexOf(path[0], true)), path.slice(1))
    } else {
      // Entries that differ from the reference's (compared as bytes), subtrees first, in order.
      const subtrees: Array<[id: string, reference: string | undefined]> = []
      const blobs: string[] = []
      const visit = (i: number, j: number) => {
        if (i < 0 || dir.isGitlinkAt(i)) return
        const child = dir.idAt(i)
        if (this.sent.has(child) || (j >= 0 && known!.idAt(j) === child)) return
        if (dir.isTreeAt(i)) subtrees.push([child, known && treeRef(known, j)])
        else if (this.request.filter.kind !== 'blob:none') blobs.push(child)
      }
      if (known === undefined) for (let i = 0; i < dir.size; i++) visit(i, -1)
      else dir.forEachDifference(known, visit)
      for (const [child, childReference] of subtrees) await this.sendTree(child, childReference, [])
      await this.sendBlobs(blobs)
    }
    if (this.sink.gone) return
    await this.send(id, framed)
  }

  private async sendBlobs(ids: readonly string[]): Promise<void> {
    const unique = [...new Set(ids)].filter(id => !this.sent.has(id))
    for (let start = 0; start < unique.length; start += BATCH) {
      const batch = unique.slice(start, start + BATCH)
      const framed = await this.reader.raw(batch)
      for (let i = 0; i < batch.length; i++) {
        const bytes = framed[i]
        if (bytes === undefined) throw new SyncError('EINTERNAL', `blob ${batch[i]} is missing from the server's store`)
        await this.send(batch[i], bytes)
      }
    }
  }
}

/** The reference for a subtree: the client's entry `j` (of the same name), when it is a tree too. */
function treeRef(known: Dir, j: number): string | undefined {
  return j >= 0 && known.isTreeAt(j) && !known.isGitlinkAt(j) ? known.idAt(j) : undefined
}
