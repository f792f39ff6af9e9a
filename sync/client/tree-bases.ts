/**
 * The client's side of TREE_DELTA frames: the base is a tree this store holds, or one received
 * earlier in the same stream (kept here, a bounded number, as the server keeps the trees it
 * sent); the rebuilt tree must hash to its id, as any object must.
 */
import { frameObject, getDefaultHasher, type Repo } from '../../core/index.js'
import { HashMismatchError, MalformedStreamError } from '../errors.js'
import { type Frame, FrameKind } from '../frames.js'
import { applyTreeDelta } from '../tree-delta.js'
import { RecentMap } from '../recent-map.js'

const KEPT = 16384

type DeltaFrame = Extract<Frame, { kind: typeof FrameKind.treeDelta }>
type ObjectFrame = Extract<Frame, { kind: typeof FrameKind.object }>

export class TreeBases {
  private readonly recent = new RecentMap<string, Uint8Array>(KEPT)
  private readonly hasher = getDefaultHasher()

  constructor(
    private readonly repo: Pick<Repo<unknown>, 'backend'>,
    private readonly writer: { finish(): Promise<void> },
  ) {}

  /** Notes a received object (trees are kept as possible bases). */
  received(id: string, framed: Uint8Array): void {
    if (framed[0] !== 0x74 || framed[1] !== 0x72 || framed[2] !== 0x65 || framed[3] !== 0x65 || framed[4] !== 0x20) return // "tree "
    this.recent.set(id, framed)
  }

  /** The OBJECT frame a TREE_DELTA frame stands for, when its base is a tree received lately (no await). */
  inMemory(frame: DeltaFrame): ObjectFrame | undefined {
    const base = this.recent.get(frame.base)
    return base === undefined ? undefined : this.apply(frame, base)
  }

  /** The OBJECT frame a TREE_DELTA frame stands for. */
  async resolve(frame: DeltaFrame): Promise<ObjectFrame> {
    const base = this.recent.get(frame.base) ?? (await this.stored(frame.base))
    if (base === undefined) throw new MalformedStreamError(`a tree delta against ${frame.base}, which this store does not have`)
    return this.apply(frame, base)
  }

  private apply(frame: DeltaFrame, base: Uint8Array): ObjectFrame {
    const bytes = frameObject('tree', applyTreeDelta(base.subarray(base.indexOf(0) + 1), frame.delta))
    const actual = this.hasher.sha1Hex(bytes)
    if (actual !== frame.id) throw new HashMismatchError(frame.id, actual)
    return { kind: FrameKind.object, id: frame.id, bytes }
  }

  /** A base from the store (what the writer holds is flushed first; a lazy store may fetch it). */
  private async stored(id: string): Promise<Uint8Array | undefined> {
    await this.writer.finish()
    return (await this.repo.backend.getObjects([id]))[0]
  }
}
