/**
 * The packs of a repository (`objects/pack/pack-*.idx` with their `.pack`), newest first, and
 * lookups across them. git and other irminsule processes add and remove packs at any time: a
 * pack counts once its index is there (writers move the index into place last), `rescan` picks
 * up new packs and lets go of removed ones, and a pack removed by someone else stays readable
 * through the file this process holds open until then — a concurrent repack never makes an
 * object vanish from under a reader.
 */
import { readdirSync, readFileSync, statSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { PackFile } from './pack-file.js'
import { idKey, PackIndex } from './pack-index.js'
import { removeFile } from './durable.js'

/** Files that belong to a pack besides `.pack` and `.idx` (git's derived data about it). */
const SIDE_FILES = ['.rev', '.bitmap', '.mtimes', '.promisor']

export interface Located {
  pack: PackFile
  position: number
}

export class PackSet {
  private packs: PackFile[] = []
  /** Reused by lookups, which are synchronous. */
  private readonly key = idKey('0'.repeat(40))

  constructor(readonly packDir: string) {}

  get all(): readonly PackFile[] {
    return this.packs
  }

  /** Syncs with the directory; returns whether any pack came or went. */
  rescan(): boolean {
    let files: string[]
    try {
      files = readdirSync(this.packDir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      files = []
    }
    const names = new Set(files.filter(f => f.startsWith('pack-') && f.endsWith('.idx')).map(f => f.slice(0, -4)))
    const kept = this.packs.filter(pack => names.has(pack.name))
    for (const pack of this.packs) if (!names.has(pack.name)) pack.close()
    const known = new Set(kept.map(pack => pack.name))
    const added: PackFile[] = []
    for (const name of names) {
      if (known.has(name)) continue
      const pack = this.load(name)
      if (pack) added.push(pack)
    }
    const changed = added.length > 0 || kept.length !== this.packs.length
    this.packs = [...added, ...kept]
    return changed
  }

  /**
   * Opens a pack found on disk; undefined when its files are gone, not all there yet, or its index
   * is unreadable (then nothing can say which objects it holds: it is left to `git fsck`).
   */
  private load(name: string): PackFile | undefined {
    let bytes: Uint8Array
    try {
      bytes = readFileSync(join(this.packDir, `${name}.idx`))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    const index = PackIndex.parse(bytes)
    return typeof index === 'string' ? undefined : PackFile.open(this.packDir, name, index)
  }

  /**
   * Removes what writers that crashed left behind: temporary packs and indexes, and packs without
   * an index (a writer renames the index right after its pack; a pack's objects are referenced
   * only once its index is there), when untouched for `minAgeMs` — a live writer touches its
   * files far more often. `git gc` would remove them too, but warns about them until then.
   */
  async removeLeftovers(minAgeMs: number): Promise<void> {
    let files: string[]
    try {
      files = readdirSync(this.packDir)
    } catch {
      return
    }
    const present = new Set(files)
    for (const file of files) {
      const temporary = file.startsWith('tmp_pack_') || file.startsWith('tmp_idx_')
      const orphan = file.startsWith('pack-') && file.endsWith('.pack') && !present.has(file.replace(/\.pack$/, '.idx'))
      if (!temporary && !orphan) continue
      const info = statSync(join(this.packDir, file), { throwIfNoEntry: false })
      // Best effort: a repository this process may only read keeps them.
      if (info && Date.now() - info.mtimeMs > minAgeMs) await removeFile(join(this.packDir, file)).catch(() => {})
    }
  }

  /** When the pack's data last changed (0 when it is gone): the age of its objects for the grace period. */
  mtimeOf(name: string): number {
    return statSync(join(this.packDir, `${name}.pack`), { throwIfNoEntry: false })?.mtimeMs ?? 0
  }

  /**
   * Gives a pack rewritten from `sources` the newest of their mtimes: its objects are no younger
   * than they were (see retained.ts), so garbage does not stay young for ever by being rewritten.
   */
  inheritMtime(written: { name: string }, sources: readonly PackFile[]): void {
    const mtime = Math.max(...sources.map(pack => this.mtimeOf(pack.name)))
    if (mtime <= 0) return
    const seconds = mtime / 1000
    for (const ext of ['.pack', '.idx']) utimesSync(join(this.packDir, written.name + ext), seconds, seconds)
  }

  /** Adds a pack this process just wrote. */
  add(written: { name: string; index: PackIndex }): void {
    if (this.packs.some(pack => pack.name === written.name)) return
    const pack = PackFile.open(this.packDir, written.name, written.index)
    if (pack) this.packs.unshift(pack)
  }

  /** Where `id` is: in an undamaged pack if any has it, else in a damaged one (whose read fails). */
  locate(id: string): Located | undefined {
    const key = idKey(id, this.key)
    let damaged: Located | undefined
    for (const pack of this.packs) {
      const position = pack.index.find(key)
      if (position < 0) continue
      if (!pack.damage) return { pack, position }
      damaged ??= { pack, position }
    }
    return damaged
  }

  /** Every place `id` is, those in undamaged packs first. */
  locateAll(id: string): Located[] {
    const key = idKey(id, this.key)
    const places: Located[] = []
    for (const pack of this.packs) {
      const position = pack.index.find(key)
      if (position >= 0) places.push({ pack, position })
    }
    return places.sort((a, b) => Number(a.pack.damage !== undefined) - Number(b.pack.damage !== undefined))
  }

  /** Whether an undamaged pack holds `id`. */
  has(id: string): boolean {
    const key = idKey(id, this.key)
    return this.packs.some(pack => !pack.damage && pack.index.find(key) >= 0)
  }

  /**
   * Swaps `sources` for `written`, the pack rewritten from them (undefined: nothing was left).
   * A rewrite that ends up dropping nothing from a single source (what it was to drop was stored
   * again meanwhile) writes the same bytes, so the same name: that file is the new pack, and
   * deleting it as a source would lose every object in it.
   */
  async replace(sources: readonly PackFile[], written: { name: string; index: PackIndex } | undefined): Promise<void> {
    if (written) {
      this.inheritMtime(written, sources)
      this.add(written)
    }
    await this.discard(sources.filter(pack => pack.name !== written?.name))
  }

  /**
   * Deletes the files of `packs` and forgets them: the index first, so no reader finds a pack
   * without its data. Forgotten only once its index is gone: a `rescan` (any lookup's miss) while
   * the index is still there would otherwise load the pack again, and this process would go on
   * answering for its objects from a file already unlinked — and skip putting them again.
   */
  async discard(packs: readonly PackFile[]): Promise<void> {
    for (const pack of packs) {
      await removeFile(join(this.packDir, `${pack.name}.idx`))
      this.packs = this.packs.filter(known => known.name !== pack.name)
      pack.close()
      await removeFile(join(this.packDir, `${pack.name}.pack`))
      for (const ext of SIDE_FILES) await removeFile(join(this.packDir, pack.name + ext))
    }
    // A multi-pack index naming removed packs would send git looking for them; git rebuilds it.
    if (packs.length > 0) await removeFile(join(this.packDir, 'multi-pack-index'))
  }

  close(): void {
    for (const pack of this.packs) pack.close()
    this.packs = []
  }
}
