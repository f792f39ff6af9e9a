/**
 * git's lock-file protocol, which git itself and every irminsule process follow: to change a
 * file, create `<file>.lock` exclusively (O_CREAT|O_EXCL), write the new contents to it, fsync,
 * and rename it over the file; to give up, remove it. Whoever creates the lock owns the file
 * until then.
 *
 * A lock that is there already is waited for, with a short randomised backoff, up to a time
 * limit (`LockTimeoutError`). A lock left by a writer that died is removed: one an irminsule
 * process on this host holds while no longer running — while it holds a lock, irminsule keeps its
 * pid and host name in it (git never reads a lock's contents) — or one of any other owner older
 * than `staleMs` (git never holds a ref lock for long). A lock whose irminsule owner is still
 * running is never taken, however old: on a loaded machine a live writer can hold one past
 * `staleMs`, and taking it from under that writer let its final rename move the next owner's
 * lock over the ref. Removing a lock is careful: it is first renamed
 * aside and checked to be the very file judged abandoned; an owner also checks, just before its
 * final rename, that its lock is still its own, and starts over if not.
 *
 * Inside one process, callers queue per lock (`KeyedMutex`) instead of polling the file.
 */
import { type FileHandle, link, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { LockTimeoutError } from '../../core/errors.js'
import { fsyncDir, removeFile, writeAll } from './durable.js'

export interface LockOptions {
  /** How long to wait for a lock someone else holds. */
  timeoutMs: number
  /** Age after which a lock is taken for a crashed writer's. */
  staleMs: number
}

const OWNER = `irminsule ${process.pid} ${hostname()}\n`
const OWNER_LINE = /^irminsule (\d+) (\S+)\n$/

export class LockFile {
  private open = true
  /** Committed or released: the lock is no longer this owner's to touch. */
  private done = false

  private constructor(
    /** The file this lock guards. */
    readonly target: string,
    readonly path: string,
    private readonly file: FileHandle,
    private readonly inode: number,
  ) {}

  /**
   * Takes the lock on `target`. File-system errors other than "already locked" (a missing or
   * clashing parent directory, say) are the caller's to interpret.
   */
  static async acquire(target: string, options: LockOptions): Promise<LockFile> {
    const path = `${target}.lock`
    const deadline = Date.now() + options.timeoutMs
    for (let attempt = 0; ; attempt++) {
      let file: FileHandle | undefined
      try {
        file = await open(path, 'wx', 0o644)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      if (file) return LockFile.claim(target, path, file)
      if (await breakIfAbandoned(path, options.staleMs)) continue
      if (Date.now() >= deadline) throw new LockTimeoutError(path, options.timeoutMs)
      await sleep(Math.random() * Math.min(50, 2 ** attempt))
    }
  }

  /** Writes the owner line into a lock just created; on failure removes it again. */
  private static async claim(target: string, path: string, file: FileHandle): Promise<LockFile> {
    try {
      await writeAll(file, Buffer.from(OWNER))
      return new LockFile(target, path, file, (await file.stat()).ino)
    } catch (error) {
      await file.close().catch(() => {})
      await removeFile(path)
      throw error
    }
  }

  /**
   * Replaces the target with `contents`, durably. Returns false, changing nothing, when the lock
   * was taken from this owner meanwhile (another process judged it abandoned): start over then.
   * The lock file stays open until it has been checked and renamed: a file still open keeps its
   * inode, so no lock created meanwhile can carry the same inode number and pass for this one.
   */
  async commit(contents: string): Promise<boolean> {
    this.done = true
    try {
      const bytes = Buffer.from(contents)
      await writeAll(this.file, bytes, 0)
      await this.file.truncate(bytes.length)
      await this.file.sync()
      if (!(await this.stillOurs())) return false
      await rename(this.path, this.target)
    } finally {
      this.open = false
      await this.file.close()
    }
    await fsyncDir(dirname(this.target))
    return true
  }

  /**
   * Gives the lock up without changing the target; a no-op after `commit`, whose lock is gone
   * (renamed into place, or taken): removing "ours" then could remove the next owner's lock.
   */
  async release(): Promise<void> {
    if (this.done) return
    this.done = true
    try {
      if (await this.stillOurs()) await removeFile(this.path)
    } finally {
      if (this.open) {
        this.open = false
        await this.file.close()
      }
    }
  }

  private async stillOurs(): Promise<boolean> {
    const now = await stat(this.path).catch(() => undefined)
    return now !== undefined && now.ino === this.inode
  }
}

/**
 * Removes the lock at `path` if its writer is gone; returns whether the caller should try again
 * at once (the lock was removed, or had already gone).
 */
export async function breakIfAbandoned(path: string, staleMs: number): Promise<boolean> {
  const seen = await stat(path).catch(() => undefined)
  if (seen === undefined) return true
  const owner = await lockOwner(path)
  if (owner === 'running' || (owner === 'other' && Date.now() - seen.mtimeMs <= staleMs)) return false
  // Renamed aside (to a name ending in .lock, which git never takes for a ref) and checked: if
  // another process broke the same lock first and a live writer has taken it since, put it back.
  const aside = `${path.slice(0, -'.lock'.length)}.${process.pid}-${Math.random().toString(36).slice(2)}.stale.lock`
  try {
    await rename(path, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw error
  }
  const moved = await stat(aside)
  if (moved.ino !== seen.ino) await link(aside, path).catch(() => {})
  await unlink(aside).catch(() => {})
  return true
}

/**
 * Who holds the lock: an irminsule process on this host that is `running` or `gone`, or an
 * `other` owner (git, another host, or a lock whose contents are already the new value).
 */
async function lockOwner(path: string): Promise<'running' | 'gone' | 'other'> {
  const text = await readFile(path, 'latin1').catch(() => '')
  const owner = OWNER_LINE.exec(text)
  if (!owner || owner[2] !== hostname()) return 'other'
  const pid = Number(owner[1])
  if (pid === process.pid) return 'running'
  try {
    process.kill(pid, 0)
    return 'running'
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'running'
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** Runs async sections one at a time per key, in call order. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>()

  run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const result = previous.then(section, section)
    const tail = result.catch(() => {})
    this.tails.set(key, tail)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return result
  }
}
