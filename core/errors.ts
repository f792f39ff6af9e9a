/**
 * Every error a caller can trigger, in one place. Each has a stable `code` (for programs and the
 * CLI's `--json` output) and a message written for a person.
 */
export class IrminError extends Error {
  readonly code: string = 'EIRMIN'
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}

/** `get` of a path, commit or branch that does not exist. */
export class NotFoundError extends IrminError {
  override readonly code = 'ENOTFOUND'
  constructor(readonly what: string) {
    super(`not found: ${what}`)
  }
}

/** A path step that is empty, contains `/` or NUL, or is `.`/`..`. */
export class InvalidPathError extends IrminError {
  override readonly code = 'EINVALIDPATH'
  constructor(readonly path: unknown, reason: string) {
    super(`invalid path ${describe(path)}: ${reason}`)
  }
}

/** A branch or ref name git would refuse (see `git check-ref-format`). */
export class InvalidBranchNameError extends IrminError {
  override readonly code = 'EINVALIDBRANCH'
  constructor(readonly branch: unknown, reason: string) {
    super(`invalid branch name ${describe(branch)}: ${reason}`)
  }
}

/** An object id that is not 40 lowercase hex digits. */
export class InvalidObjectIdError extends IrminError {
  override readonly code = 'EINVALIDID'
  constructor(readonly id: unknown) {
    super(`invalid object id ${describe(id)}: expected 40 lowercase hex digits`)
  }
}

/** A value the store's contents codec cannot encode, or bytes it cannot decode. */
export class InvalidValueError extends IrminError {
  override readonly code = 'EINVALIDVALUE'
  constructor(reason: string) {
    super(`invalid value: ${reason}`)
  }
}

/** Commit metadata (author, message, date) that cannot be written as git writes it. */
export class InvalidCommitInfoError extends IrminError {
  override readonly code = 'EINVALIDINFO'
  constructor(reason: string) {
    super(`invalid commit info: ${reason}`)
  }
}

/** An object whose bytes do not hash to its id, or that does not parse as its type. */
export class CorruptObjectError extends IrminError {
  override readonly code = 'ECORRUPT'
  constructor(readonly id: string, reason: string) {
    super(`corrupt object ${id}: ${reason}`)
  }
}

/** An object that a commit, tree or ref names but the backend does not hold. */
export class MissingObjectError extends IrminError {
  override readonly code = 'EMISSING'
  constructor(readonly id: string, context?: string) {
    super(`missing object ${id}${context ? ` (${context})` : ''}`)
  }
}

/** An object of one type found where another was expected (a blob where a tree should be). */
export class WrongObjectTypeError extends IrminError {
  override readonly code = 'EWRONGTYPE'
  constructor(readonly id: string, readonly expected: string, readonly actual: string) {
    super(`object ${id} is a ${actual}, expected a ${expected}`)
  }
}

/** An object larger than the backend accepts. */
export class ObjectTooLargeError extends IrminError {
  override readonly code = 'ETOOLARGE'
  constructor(readonly size: number, readonly limit: number) {
    super(`object of ${size} bytes exceeds the limit of ${limit} bytes`)
  }
}

/** A path that names a directory where contents were expected, or the reverse. */
export class NotAFileError extends IrminError {
  override readonly code = 'ENOTFILE'
  constructor(readonly path: string) {
    super(`not a file: ${path} is a directory`)
  }
}

/** A write that kept losing the race for its branch and gave up. */
export class ConcurrentUpdateError extends IrminError {
  override readonly code = 'ECONCURRENT'
  constructor(readonly branch: string, readonly attempts: number) {
    super(`branch ${branch} kept moving: gave up after ${attempts} attempts`)
  }
}

/** `createBranch` of a name that is taken. */
export class BranchExistsError extends IrminError {
  override readonly code = 'EEXISTS'
  constructor(readonly branch: string) {
    super(`branch already exists: ${branch}`)
  }
}

/** A write through a read-only view (`repo.commit(id)`). */
export class ReadOnlyError extends IrminError {
  override readonly code = 'EREADONLY'
  constructor(what: string) {
    super(`read-only: ${what}`)
  }
}

/** Any call on a backend or repo after `close()`. */
export class ClosedError extends IrminError {
  override readonly code = 'ECLOSED'
  constructor(what = 'backend') {
    super(`${what} is closed`)
  }
}

/** A store directory another process holds open (LevelDB allows one process per directory). */
export class StoreLockedError extends IrminError {
  override readonly code = 'ELOCKED'
  constructor(readonly location: string) {
    super(`store ${location} is locked: another process has it open (one process owns a LevelDB store)`)
  }
}

/** A merge whose sides cannot be reconciled; `conflicts` lists every path. Nothing was changed. */
export class MergeConflictError extends IrminError {
  override readonly code = 'ECONFLICT'
  constructor(readonly conflicts: ReadonlyArray<{ readonly path: readonly string[]; readonly kind: string; readonly reason: string }>) {
    const shown = conflicts.slice(0, 5).map(c => `${c.path.join('/') || '/'} (${c.kind}: ${c.reason})`)
    const more = conflicts.length > 5 ? `, and ${conflicts.length - 5} more` : ''
    super(`merge conflict${conflicts.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}`)
  }
}

/** A history search that went deeper than its caller allowed. */
export class HistoryTooDeepError extends IrminError {
  override readonly code = 'ETOODEEP'
  constructor(readonly limit: number) {
    super(`history search went past ${limit} commits without an answer`)
  }
}

/** Input to a backend that breaks the contract (wrong types, sizes, ref names). */
export class InvalidArgumentError extends IrminError {
  override readonly code = 'EINVAL'
  constructor(reason: string) {
    super(reason)
  }
}

/**
 * IndexedDB cannot be used here: the global is missing (Node, old browsers) or the browser
 * refuses to open a database (private mode, storage disabled, sandboxed or opaque origins).
 */
export class IndexedDbUnavailableError extends IrminError {
  override readonly code = 'ENOINDEXEDDB'
  constructor(readonly database: string, reason: string, cause?: unknown) {
    super(`IndexedDB is unavailable (database ${JSON.stringify(database)}): ${reason}`)
    if (cause !== undefined) this.cause = cause
  }
}

/** A directory that holds no git repository irminsule can use (and `create` was not asked for). */
export class NotARepositoryError extends IrminError {
  override readonly code = 'ENOTREPO'
  constructor(readonly location: string, reason: string) {
    super(`not a usable git repository: ${location} (${reason})`)
  }
}

/** A git lock file (`<ref>.lock`) that another writer kept holding past the wait limit. */
export class LockTimeoutError extends IrminError {
  override readonly code = 'ELOCKTIMEOUT'
  constructor(readonly lockFile: string, readonly waitedMs: number) {
    super(`gave up after ${waitedMs} ms waiting for ${lockFile}: another writer holds it (if none is running, remove the file)`)
  }
}

/** A ref that cannot exist beside another one: `refs/heads/a` and `refs/heads/a/b` (git refuses both). */
export class RefConflictError extends IrminError {
  override readonly code = 'EREFCONFLICT'
  constructor(readonly ref: string, reason: string) {
    super(`cannot write ref ${ref}: ${reason}`)
  }
}

/** A stored ref whose contents are neither an object id nor a symbolic ref. */
export class CorruptRefError extends IrminError {
  override readonly code = 'ECORRUPTREF'
  constructor(readonly ref: string, reason: string) {
    super(`corrupt ref ${ref}: ${reason}`)
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return JSON.stringify(value)
  if (typeof value === 'string') return JSON.stringify(value)
  return String(value)
}

/**
 * An explicit transaction whose reads another writer changed before it committed: committing it
 * would act on stale values. `paths` lists the reads that changed. Nothing was written; start a
 * new transaction and run it again (Xenstore's EAGAIN).
 */
export class TransactionConflictError extends IrminError {
  override readonly code = 'ETXCONFLICT'
  constructor(readonly branch: string, readonly paths: ReadonlyArray<readonly string[]>) {
    const shown = paths.slice(0, 5).map(p => p.join('/') || '/')
    const more = paths.length > 5 ? `, and ${paths.length - 5} more` : ''
    super(`transaction on ${branch} conflicts: another writer changed what it read (${shown.join(', ')}${more})`)
  }
}

/**
 * A write built from a tree read before a garbage collection that deleted objects it names
 * (`missing`): committing it would leave a dangling reference. Nothing was changed; read the
 * tree again from a commit that is kept.
 */
export class StaleTreeError extends IrminError {
  override readonly code = 'ESTALE'
  constructor(readonly missing: readonly string[]) {
    super(`the tree to commit names ${missing.length} object(s) garbage collection deleted since it was read (e.g. ${missing[0]}); read it again`)
  }
}
