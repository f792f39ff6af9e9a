/**
 * The client's side of TREE_DELTA frames: the base is a tree this store holds, or one received
 * earlier in the same stream (kept here, a bounded number, as the server keeps the trees it
 * sent); the rebuilt tree must hash to its id, as any object must.
 */
import { getDefaultHasher, type Repo } from '../../core/index.js'
import { HashMismatchError, MalformedStreamError } from '../errors.js'
import { type Frame, FrameKind } from '../frames.js'
import { applyTreeDeltaFramed, entryEnds } from '../tree-delta.js'
import { RecentMap } from '../../core/recent-map.js'

const KEPT = 16384

type DeltaFrame = Extract<Frame, { kind: typeof FrameKind.treeDelta }>
type ObjectFrame = Extract<Frame, { kind: typeof FrameKind.object }>
/** A tree kept as a base, with its entries' ends once known (a rebuilt tree knows them; others are scanned on first use). */
type Base = { readonly framed: Uint8Array; ends?: number[] }

export class TreeBases {
  private readonly recent = new RecentMap<string, Base>(KEPT)
  private readonly hasher = getDefaultHasher()

  constructor(
    private readonly repo: Pick<Repo<unknown>, 'backend'>,
    private readonly writer: { landed(): Promise<void> },
  ) {}

  /** Notes a received OBJECT (trees are kept as possible bases; trees rebuilt from deltas are kept as they are rebuilt). */
  received(id: string, framed: Uint8Array): void {
    if (framed[0] !== 0x74 || framed[1] !== 0x72 || framed[2] !== 0x65 || framed[3] !== 0x65 || framed[4] !== 0x20) return // "tree "
    this.recent.set(id, { framed })
  }

  /** The OBJECT frame a TREE_DELTA frame stands for, when its base is a tree received lately (no await). */
  inMemory(frame: DeltaFrame): ObjectFrame | undefined {
    const base = this.recent.get(frame.base)
    return base === undefined ? undefined : this.apply(frame, base)
  }

  /** The OBJECT frame a TREE_DELTA frame stands for. */
  async resolve(frame: DeltaFrame): Promise<ObjectFrame> {
    const known = this.recent.get(frame.base)
    const stored = known === undefined ? await this.stored(frame.base) : undefined
    const base = known ?? (stored && { framed: stored })
    if (base === undefined) throw new MalformedStreamError(`a tree delta against ${frame.base}, which this store does not have`)
    return this.apply(frame, base)
  }

  /** Rebuilds the tree, checks its hash, and keeps it as a base (with its entry ends). */
  private apply(frame: DeltaFrame, base: Base): ObjectFrame {
    const body = base.framed.subarray(base.framed.indexOf(0) + 1)
    base.ends ??= entryEnds(body)
    const { framed: bytes, ends } = applyTreeDeltaFramed(body, base.ends, frame.delta)
    const actual = this.hasher.sha1Hex(bytes)
    if (actual !== frame.id) throw new HashMismatchError(frame.id, actual)
    this.recent.set(frame.id, { framed: bytes, ends })
    return { kind: FrameKind.object, id: frame.id, bytes }
  }

  /** A base from the store (what the writer holds is written first; a lazy store may fetch it). */
  private async stored(id: string): Promise<Uint8Array | undefined> {
    await this.writer.landed()
    return (await this.repo.backend.getObjects([id]))[0]
  }
}
