/**
 * The errors only the command line raises, and the exit status of every error.
 *
 * Exit status: 0 success; 2 the command line itself is wrong (unknown command or option,
 * missing or extra arguments, a malformed path, value, branch name or option value) — fixing
 * the command fixes it, whatever the store holds; 1 a well-formed command failed (not found,
 * no store, store in use, a git or file system failure, ...).
 */
import {
  InvalidBranchNameError,
  InvalidCommitInfoError,
  InvalidObjectIdError,
  InvalidPathError,
  InvalidValueError,
  IrminError,
} from '../core/index.js'

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** A command line that cannot be run as written. */
export class UsageError extends IrminError {
  override readonly code = 'EUSAGE'
}

/** `--root` names nothing, or an empty directory. */
export class NoStoreError extends IrminError {
  override readonly code = 'ENOSTORE'
  constructor(readonly root: string) {
    super(`no irmin store at ${root} (create one with: irmin --root ${root} init)`)
  }
}

/** `--root` names a file, or a directory that holds something other than a store. */
export class NotAStoreError extends IrminError {
  override readonly code = 'ENOTSTORE'
  constructor(
    readonly root: string,
    reason: string,
  ) {
    super(`${root} is not an irmin store: ${reason}`)
  }
}

/** What `irmin serve` writes into a store it serves, so that others can name it. */
export interface ServerNote {
  pid: number
  url: string
}

/** A LevelDB store another process keeps open past the wait. */
export class StoreInUseError extends IrminError {
  override readonly code = 'ELOCKED'
  constructor(
    readonly root: string,
    readonly server?: ServerNote,
  ) {
    super(
      server
        ? `store ${root} is in use by irmin serve (pid ${server.pid}, ${server.url}): stop it, or work through it (reads, set and remove do)`
        : `store ${root} is in use by another process (a LevelDB store has one owner at a time)`,
    )
  }
}

/** `--backend` names a different backend than the store at `--root` has. */
export class BackendMismatchError extends IrminError {
  override readonly code = 'EBACKEND'
  constructor(root: string, actual: string, asked: string) {
    super(`store ${root} is a ${actual} store, not ${asked} (commands after init detect the backend; drop --backend)`)
  }
}

/** A commit id prefix that more than one commit starts with. */
export class AmbiguousCommitError extends IrminError {
  override readonly code = 'EAMBIGUOUS'
  constructor(
    readonly prefix: string,
    readonly candidates: readonly string[],
  ) {
    super(`commit prefix ${prefix} is ambiguous: ${candidates.slice(0, 5).join(', ')}${candidates.length > 5 ? ', ...' : ''}`)
  }
}

/** A revision (`main~2`, `HEAD^2`) that is not written as git writes them, or asks for what irmin does not keep. */
export class BadRevisionError extends IrminError {
  override readonly code = 'EBADREV'
  constructor(
    readonly revision: string,
    reason: string,
  ) {
    super(`bad revision ${JSON.stringify(revision)}: ${reason}`)
  }
}

/** A write to a branch that does not exist, in a store that has others. */
export class NoSuchBranchError extends IrminError {
  override readonly code = 'ENOBRANCH'
  constructor(
    readonly branch: string,
    from: string,
  ) {
    super(`branch ${branch} does not exist: create it with irmin branch create ${branch} (it starts at the head of ${from}), or add --create to start it as a new history`)
  }
}

/** `branch delete` of the branch `--branch` names, or of the last branch, without `--force`. */
export class BranchInUseError extends IrminError {
  override readonly code = 'EBRANCHINUSE'
}

/** `--contents` contradicting the type recorded for the values it touches. */
export class ContentsMismatchError extends IrminError {
  override readonly code = 'ECONTENTS'
  constructor(
    readonly what: string,
    readonly recorded: string,
    given: string,
  ) {
    super(`${what} holds ${recorded} contents (recorded when written with --contents ${recorded}), not ${given}: drop --contents, or give --contents ${recorded}`)
  }
}

/** A path that names a value where a directory was expected. */
export class NotADirectoryError extends IrminError {
  override readonly code = 'ENOTDIR'
  constructor(readonly path: string) {
    super(`not a directory: ${path}`)
  }
}

/** A stored value the chosen `--contents` codec cannot read. */
export class UndecodableValueError extends IrminError {
  override readonly code = 'EDECODE'
  constructor(path: string, contents: string, reason: string) {
    super(`cannot read ${path} as ${contents} contents: ${reason} (try --contents bytes)`)
  }
}

/** An export into a directory that already holds files, or onto a file. */
export class TargetNotEmptyError extends IrminError {
  override readonly code = 'EEXIST'
  constructor(readonly dir: string) {
    super(`export target ${dir} exists and is not an empty directory`)
  }
}

/**
 * An error with more to say than its one line: `lines` are printed before the message on stderr,
 * and `fields` join `error` and `code` in its `--json` form.
 */
export abstract class DetailedError extends IrminError {
  abstract readonly lines: readonly string[]
  abstract readonly fields: Readonly<Record<string, unknown>>
}

/** A merge or revert stopped by conflicts it was not told to resolve; nothing was changed. */
export class ConflictsError extends DetailedError {
  override readonly code = 'ECONFLICT'
  constructor(
    message: string,
    readonly lines: readonly string[],
    readonly fields: { readonly conflicts: readonly unknown[] },
  ) {
    super(message)
  }
}

/** `fsck` found damage (it has printed the report): a failure, so that scripts can test for it. */
export class DamageFoundError extends IrminError {
  override readonly code = 'EDAMAGED'
  constructor(problems: number) {
    super(`the store is damaged: fsck found ${problems} problem${problems === 1 ? '' : 's'}`)
  }
}

/** `irmin serve` on a port that something else listens on. */
export class PortInUseError extends IrminError {
  override readonly code = 'EADDRINUSE'
  constructor(host: string, port: number) {
    super(`cannot listen on ${host}:${port}: the port is in use (choose another with --port)`)
  }
}

const USAGE_ERRORS = [UsageError, BadRevisionError, ContentsMismatchError, InvalidPathError, InvalidBranchNameError, InvalidObjectIdError, InvalidValueError, InvalidCommitInfoError]

export function exitCodeOf(error: unknown): number {
  return USAGE_ERRORS.some(type => error instanceof type) ? EXIT_USAGE : EXIT_FAILURE
}
