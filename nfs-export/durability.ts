/**
 * How what the working tree acknowledged stays on stable storage between synced commits. A
 * CREATE of an empty file is a journal record (create-journal.ts). A commit whose changes are
 * such creates and files of at most `JOURNALED_BYTES` in all (the COMMIT of a few small files)
 * writes one record per file — path, mode, bytes — syncs them, and goes to the store unsynced
 * (`Backend.putObjectsAndCasRefUnsynced`): one flush of a preallocated block instead of a
 * synced store batch on a growing log. Those commits become durable at the next sync point:
 * `sync` (the idle delay after the last change, a full journal, closing) or any synced move
 * of the branch (the backend makes earlier unsynced writes durable first). Records are dropped
 * (the journal reset) only then, so after a crash (of the process or of the machine) the
 * branch is at its last durable commit and the records since come back as one commit: the ids
 * of the unsynced commits are lost, none of their changes.
 *
 * A record's base is the last head known durable, which is what the replay walks back to
 * (journal-replay.ts).
 */
import type { CreateJournal, JournalRecord } from './create-journal.js'

/** A commit changing files of at most this many bytes in all may be journaled instead of synced. */
export const JOURNALED_BYTES = 64 << 10

export interface JournaledFile {
  path: readonly string[]
  mode: string
  bytes: Uint8Array
}

export class Durability {
  /** Commits since the last sync point are unsynced: the journal holds what they changed. */
  private unsynced = false
  /** Pending changes that a create record made durable. */
  private journaledChanges = 0
  /** The files records hold since the last durable point, by path. */
  private readonly recordedFiles = new Map<string, JournaledFile>()
  /** Records hold changes not yet committed (`journaledAhead`). */
  private ahead = false

  constructor(
    private readonly journal: CreateJournal | undefined,
    /** The backend's sync (`Backend.syncObjects`) when it also has unsynced commits; else none. */
    private readonly syncStore: (() => Promise<void>) | undefined,
    /** The last head known durable. */
    private durableBase: string | undefined,
  ) {}

  /** Records a new empty file; false when it must be committed instead (no journal, or full). */
  created(path: string[], mode: string): boolean {
    if (!this.journal?.append({ base: this.durableBase, path, mode })) return false
    this.journaledChanges++
    return true
  }

  /**
   * Whether a commit of `changes` pending changes and of `files` may go unsynced: when every
   * change is a journaled create and the files are small. Their records (those of files whose
   * bytes no record holds yet) are then written and, `overlapped`, being synced while the commit
   * is built: `recorded` waits for that; else synced before this returns.
   */
  journaled(changes: number, files: readonly JournaledFile[], overlapped = true): boolean {
    if (this.syncStore === undefined || this.journal === undefined || changes !== this.journaledChanges) return false
    const fresh = files.filter(f => !this.holds(f))
    if (fresh.reduce((sum, f) => sum + f.bytes.length, 0) > JOURNALED_BYTES) return false
    if (fresh.length === 0) return true
    if (!this.journal.write(fresh.map((f): JournalRecord => ({ base: this.durableBase, path: [...f.path], mode: f.mode, bytes: f.bytes })), overlapped)) return false
    // Copies: a small file's bytes are a view of its write buffer, which later writes change.
    for (const f of fresh) this.recordedFiles.set(f.path.join('/'), { path: f.path, mode: f.mode, bytes: new Uint8Array(f.bytes) })
    return true
  }

  /**
   * `journaled` for a COMMIT answered before its commit is made (synced before this returns):
   * until that commit, records hold changes no commit has, so another writer's durable head
   * does not take them in.
   */
  journaledAhead(changes: number, files: readonly JournaledFile[]): boolean {
    if (!this.journaled(changes, files, false)) return false
    this.ahead = true
    return true
  }

  /** Whether a record holds the file as it is (a COMMIT journaled it, and the commit follows). */
  private holds(file: JournaledFile): boolean {
    const recorded = this.recordedFiles.get(file.path.join('/'))
    return recorded !== undefined && recorded.mode === file.mode && viewOf(recorded.bytes).equals(file.bytes)
  }

  /** Waits until the records `journaled` wrote are durable; throws when their sync failed. */
  recorded(): void {
    this.journal?.waitSync()
  }

  /** After a commit `head` was made (`unsynced`: as `journaled` allowed). */
  committed(head: string | undefined, unsynced: boolean): void {
    this.journaledChanges = 0
    this.ahead = false
    if (unsynced) this.unsynced = true
    else this.durable(head)
  }

  /**
   * The branch moved to another writer's commit, durable when it was written (synced, after the
   * backend made our unsynced writes durable).
   */
  foreignHead(head: string | undefined): void {
    // Pending creates, or files a COMMIT journaled, are still only in the journal: their records stay.
    if (this.journaledChanges === 0 && !this.ahead) this.durable(head)
    else {
      this.durableBase = head
      this.unsynced = false
    }
  }

  /** Makes the unsynced commits durable (the branch is at `head`, nothing pending) and drops their records. */
  async sync(head: string | undefined): Promise<void> {
    if (!this.unsynced) return
    await this.syncStore!()
    this.durable(head)
  }

  /** Makes the last reset durable: after this, no dropped record can come back. */
  settle(): Promise<void> {
    return this.journal?.settle() ?? Promise.resolve()
  }

  /** Closes the journal (after the last commit and `sync`). */
  async close(): Promise<void> {
    await this.journal?.close()
  }

  /** `head` is durable, and with it every commit before: the records are taken in. */
  private durable(head: string | undefined): void {
    this.unsynced = false
    this.durableBase = head
    this.recordedFiles.clear()
    if (this.journal?.hasRecords) this.journal.reset()
  }
}

const viewOf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
