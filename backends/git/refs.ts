/**
 * Refs as git keeps them: a loose file `refs/…` holding `<id>\n` (or `ref: <name>\n`, a symbolic
 * ref, followed when read), else a line of `packed-refs`; a loose ref overrides a packed one.
 *
 * `cas` runs under the ref's lock file (see lock.ts), so that it is atomic against git and every
 * other irminsule process, and re-reads the ref once it holds the lock. Setting a ref writes the
 * loose file (which then overrides any packed value, as git does). Deleting takes `packed-refs`'s
 * lock as well, removes the ref from `packed-refs` first and then the loose file, so the packed
 * value never shows through in between; and no `git pack-refs` can pack the ref meanwhile. A ref
 * set to the id of a symbolic ref replaces the symbolic ref (git's `update-ref --no-deref`).
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { CorruptRefError, RefConflictError } from '../../core/errors.js'
import { refNameProblem } from '../../core/ref-name.js'
import { fsyncDir, removeFile } from './durable.js'
import { breakIfAbandoned, KeyedMutex, LockFile, type LockOptions } from './lock.js'
import { PackedRefs, withoutRef } from './packed-refs.js'

/** Symbolic refs followed before giving up, as git does (it stops at 5). */
const MAX_SYMREF_DEPTH = 5
const ID_LINE = /^([0-9a-fA-F]{40})(\s|$)/

type LooseRef = { id: string } | { target: string }

export class Refs {
  private readonly packed: PackedRefs
  private readonly queue = new KeyedMutex()

  constructor(
    /** The directory holding refs/ and packed-refs. */
    private readonly dir: string,
    private readonly lockOptions: LockOptions,
  ) {
    this.packed = new PackedRefs(join(dir, 'packed-refs'))
  }

  get(name: string): string | undefined {
    for (let depth = 0; depth <= MAX_SYMREF_DEPTH; depth++) {
      const loose = this.readLoose(name)
      if (loose === undefined) return this.packed.current().get(name)
      if ('id' in loose) return loose.id
      if (refNameProblem(loose.target) || !loose.target.startsWith('refs/')) return undefined
      name = loose.target
    }
    return undefined
  }

  /** Refs whose names start with `prefix`, sorted by name; broken loose refs are skipped, as git skips them. */
  list(prefix: string): Array<[string, string]> {
    const refs = new Map<string, string>()
    for (const [name, id] of this.packed.current()) if (name.startsWith(prefix)) refs.set(name, id)
    for (const name of this.looseNames(prefix)) {
      let id: string | undefined
      try {
        id = this.get(name)
      } catch (error) {
        if (!(error instanceof CorruptRefError)) throw error
      }
      if (id === undefined) refs.delete(name)
      else refs.set(name, id)
    }
    return [...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }

  async cas(name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    return this.queue.run(name, async () => {
      for (;;) {
        const lock = await this.lock(name)
        let removed = false
        try {
          const current = this.get(name)
          if (current !== expected) return false
          if (current === next) return true
          if (next === undefined) {
            await this.remove(name)
            removed = true
            return true
          }
          if (current === undefined) this.checkRoom(name)
          if (await this.commit(lock, name, next)) return true
          // Another process took the lock for an abandoned one meanwhile: start over.
        } finally {
          await lock.release()
          // Once the lock is gone too, directories the deleted ref leaves empty go, as git's do.
          if (removed) this.removeEmptyParents(name)
        }
      }
    })
  }

  /**
   * Removes ref locks whose writers are gone (see lock.ts), so that git, which never removes a
   * lock it did not take, is not blocked by a crashed irminsule process.
   */
  async removeAbandonedLocks(): Promise<void> {
    const locks = [`${this.packed.path}.lock`, ...this.filesUnder('refs', () => true).filter(name => name.endsWith('.lock')).map(name => join(this.dir, name))]
    // Best effort: a repository this process may only read keeps its locks.
    for (const lock of locks) if (existsSync(lock)) await breakIfAbandoned(lock, this.lockOptions.staleMs).catch(() => {})
  }

  private readLoose(name: string): LooseRef | undefined {
    let text: string
    try {
      text = readFileSync(join(this.dir, name), 'latin1')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined
      throw error
    }
    const id = ID_LINE.exec(text)
    if (id) return { id: id[1].toLowerCase() }
    if (text.startsWith('ref:')) return { target: text.slice(4).trim() }
    throw new CorruptRefError(name, text.length === 0 ? 'the file is empty' : 'the file holds neither an object id nor "ref: <name>"')
  }

  private looseNames(prefix: string): string[] {
    const start = prefix.startsWith('refs/') ? prefix.slice(0, prefix.lastIndexOf('/')) : 'refs/'.startsWith(prefix) ? 'refs' : undefined
    if (start === undefined) return []
    const enter = (dir: string) => prefix.startsWith(`${dir}/`) || `${dir}/`.startsWith(prefix)
    return this.filesUnder(start, enter).filter(name => name.startsWith(prefix) && refNameProblem(name) === undefined)
  }

  /** Names (relative to the refs directory) of the files under `dir`, in the subdirectories `enter` accepts. */
  private filesUnder(dir: string, enter: (dir: string) => boolean): string[] {
    let entries
    try {
      entries = readdirSync(join(this.dir, dir), { withFileTypes: true })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return [] // gone meanwhile, or a ref
      throw error
    }
    const files: string[] = []
    for (const entry of entries) {
      const name = `${dir}/${entry.name}`
      if (entry.isDirectory()) {
        if (enter(name)) files.push(...this.filesUnder(name, enter))
      } else if (entry.isFile()) {
        files.push(name)
      }
    }
    return files
  }

  /** The lock on `name`, creating its directories; a ref where a directory should be is a conflict. */
  private async lock(name: string): Promise<LockFile> {
    const path = join(this.dir, name)
    for (let attempt = 0; ; attempt++) {
      try {
        return await LockFile.acquire(path, this.lockOptions)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        // ENOENT again after mkdir: someone removed the then-empty directory; make it again.
        if (code !== 'ENOENT' || attempt >= 5) throw conflictOr(error, name)
      }
      await mkdir(dirname(path), { recursive: true }).catch(error => {
        throw conflictOr(error, name)
      })
    }
  }

  /** Refuses to create `name` beside a ref that git would not let coexist with it. */
  private checkRoom(name: string): void {
    for (const packed of this.packed.current().keys()) {
      if (packed.startsWith(`${name}/`) || name.startsWith(`${packed}/`)) throw new RefConflictError(name, `ref ${packed} exists`)
    }
    const path = join(this.dir, name)
    if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) return
    try {
      rmdirSync(path) // an empty directory left behind is no conflict
    } catch {
      throw new RefConflictError(name, 'refs exist below it')
    }
  }

  private async commit(lock: LockFile, name: string, id: string): Promise<boolean> {
    try {
      return await lock.commit(`${id}\n`)
    } catch (error) {
      throw conflictOr(error, name)
    }
  }

  /** Deletes `name` (whose lock the caller holds) from packed-refs, then its loose file. */
  private async remove(name: string): Promise<void> {
    while (existsSync(this.packed.path)) {
      const lock = await LockFile.acquire(this.packed.path, this.lockOptions)
      try {
        let text = ''
        try {
          text = readFileSync(this.packed.path, 'utf8')
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        }
        const rewritten = withoutRef(text, name)
        if (rewritten === undefined || (await lock.commit(rewritten))) break
      } finally {
        await lock.release()
      }
    }
    const path = join(this.dir, name)
    await removeFile(path)
    await fsyncDir(dirname(path))
  }

  /** Removes directories the deleted ref left empty (down to `refs/<kind>`). */
  private removeEmptyParents(name: string): void {
    for (let dir = dirname(name); dir.split('/').length > 2; dir = dirname(dir)) {
      try {
        rmdirSync(join(this.dir, dir))
      } catch {
        return
      }
    }
  }
}

/** File-system errors that mean a ref stands where a directory is needed, or the reverse. */
function conflictOr(error: unknown, name: string): unknown {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTEMPTY') {
    return new RefConflictError(name, 'another ref is in the way (a ref cannot also be a directory of refs)')
  }
  return error
}
