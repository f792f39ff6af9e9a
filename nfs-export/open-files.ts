/**
 * The files NFS clients are writing or just wrote, by path: in memory (`FileBuffer`) or, once
 * large and where the backend has spools, in a spool file (`SpoolBuffer`). Every buffer leaves
 * through here, so a spool is always closed and its name removed.
 */
import type { ObjectSpool } from '../core/backend.js'
import type { WriteTracking } from '../core/gc-coordinator.js'
import type { ObjectStore } from '../core/object-store.js'
import type { TreeOp } from '../core/tree.js'
import { FileBuffer } from './file-buffer.js'
import { SpoolBuffer } from './spool-buffer.js'

export type OpenFile = FileBuffer | SpoolBuffer

/** A file written past this size moves from memory to a spool (default). */
export const SPOOL_MIN = 4 << 20

export class OpenFiles {
  private readonly files = new Map<string, OpenFile>()

  constructor(
    private readonly openSpool: (() => Promise<ObjectSpool>) | undefined,
    private readonly spoolMin = SPOOL_MIN,
  ) {}

  get(k: string): OpenFile | undefined {
    return this.files.get(k)
  }

  set(k: string, file: OpenFile): void {
    const old = this.files.get(k)
    if (old !== undefined && old !== file) old.dispose()
    this.files.set(k, file)
  }

  delete(k: string): void {
    this.files.get(k)?.dispose()
    this.files.delete(k)
  }

  /**
   * The tree operations that put each dirty buffer's bytes in a commit. A spool's blob is stored
   * first, under the write tracking `track` makes (once), which keeps it from garbage collection
   * until the commit names it.
   */
  async dirtyOps(objects: ObjectStore | undefined, track: () => WriteTracking): Promise<Array<{ k: string; buffer: OpenFile; op: TreeOp<Uint8Array> }>> {
    const out: Array<{ k: string; buffer: OpenFile; op: TreeOp<Uint8Array> }> = []
    for (const [k, buffer] of this.files) {
      if (!buffer.dirty) continue
      const path = k.split('/')
      const op: TreeOp<Uint8Array> =
        buffer instanceof SpoolBuffer
          ? { op: 'link', path, id: await buffer.store(objects!, track()), mode: buffer.mode }
          : { op: 'set', path, value: buffer.contents(), mode: buffer.mode }
      out.push({ k, buffer, op })
    }
    return out
  }

  entries(): IterableIterator<[string, OpenFile]> {
    return this.files.entries()
  }

  /** A snapshot of the entries, for loops that delete or move as they go. */
  list(): Array<[string, OpenFile]> {
    return [...this.files]
  }

  /** Moves each file whose key `moved` maps to a new key. */
  move(moved: (k: string) => string | undefined): void {
    for (const [k, file] of this.list()) {
      const next = moved(k)
      if (next === undefined) continue
      this.files.delete(k)
      this.set(next, file)
    }
  }

  /** Drops clean files, oldest first, until those left hold at most `budget` bytes. */
  dropClean(budget: number): void {
    let kept = 0
    for (const file of this.files.values()) if (!file.dirty) kept += file.size
    for (const [k, file] of this.list()) {
      if (kept <= budget) return
      if (file.dirty) continue
      this.delete(k)
      kept -= file.size
    }
  }

  /**
   * The buffer a write reaching `end` goes to: `file`, or a spool once the file is large, or a
   * copy of an adopted spool (which is a stored record now).
   */
  async writable(k: string, file: OpenFile, end: number): Promise<OpenFile> {
    let next: OpenFile = file
    if (file instanceof SpoolBuffer) {
      if (file.frozen) next = SpoolBuffer.copyOf(await this.openSpool!(), file)
    } else if (this.openSpool !== undefined && Math.max(end, file.size) >= this.spoolMin) {
      // A spool that cannot be made or filled (a full disk) leaves the file in memory, which works.
      const spool = await this.openSpool().catch(() => undefined)
      try {
        if (spool !== undefined) next = SpoolBuffer.from(spool, file)
      } catch {
        spool!.discard()
      }
    }
    if (next !== file) this.set(k, next)
    return next
  }

  /** Closes every spool (the server is closing; anything dirty was committed or is given up). */
  close(): void {
    for (const file of this.files.values()) file.dispose()
    this.files.clear()
  }
}
