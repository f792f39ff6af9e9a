/**
 * Commits as the store sees them: the parsed git commit under its id (cached like any object),
 * the `CommitInfo` shape the API returns, and how commit options become git headers.
 */
import { InvalidCommitInfoError } from './errors.js'
import { asciiString } from './utf8.js'
import type { ObjectKind } from './object-store.js'
import { formatIdentity, type GitCommit, parseCommit, parseIdentity, type Signature } from './objects/git-commit.js'

/**
 * A commit under its id. Built from bytes it parses lazily: history walks and LCA searches need
 * only the parents and the committer time, which are read by scanning the header bytes (the
 * full parse, with every field decoded, happens on first use of `git`). A malformed header falls
 * back to the full parse, which reports it as `CorruptObjectError`.
 */
export class Commit {
  private parsed: GitCommit | undefined
  // Scanned from the header on first use (see `scan`): parents and time are what walks need.
  private scannedParents: string[] | undefined
  private scannedTime = 0
  private treeId: string | undefined

  constructor(
    readonly id: string,
    source: GitCommit | Uint8Array,
  ) {
    if (source instanceof Uint8Array) this.body = source
    else this.parsed = source
  }

  private readonly body: Uint8Array | undefined

  get objectType(): 'commit' {
    return 'commit'
  }

  get git(): GitCommit {
    return (this.parsed ??= parseCommit(this.id, this.body!))
  }

  /** Reads parents and committer time from the header bytes; a header that is not in the usual shape gets the full parse. */
  private scan(): void {
    if (this.scannedParents !== undefined) return
    if (this.parsed === undefined && scanHeader(this.body!, this)) return
    const git = this.git // throws CorruptObjectError when malformed
    this.scannedParents = [...git.parents]
    this.scannedTime = git.committer.timestamp
  }

  /** @internal For `scanHeader`. */
  setScanned(parents: string[], time: number): void {
    this.scannedParents = parents
    this.scannedTime = time
  }

  get tree(): string {
    if (this.treeId !== undefined) return this.treeId
    if (this.parsed === undefined) {
      this.scan() // validates the header
      if (this.parsed === undefined) return (this.treeId = asciiString(this.body!, 5, 45))
    }
    return (this.treeId = this.parsed.tree)
  }

  get parents(): readonly string[] {
    this.scan()
    return this.scannedParents!
  }

  /** Committer time in seconds: what history order and LCA search go by, as in git. */
  get timestamp(): number {
    this.scan()
    return this.scannedTime
  }

  /** Bytes held, for the cache budget. */
  get weight(): number {
    return 128 + (this.body?.length ?? 256 + this.git.message.length * 2)
  }

  info(): CommitInfo {
    const g = this.git
    return {
      id: this.id,
      tree: g.tree,
      parents: [...g.parents],
      author: formatIdentity(g.author),
      committer: formatIdentity(g.committer),
      date: new Date(g.author.timestamp * 1000),
      message: g.message.endsWith('\n') ? g.message.slice(0, -1) : g.message,
    }
  }
}

const TREE = [0x74, 0x72, 0x65, 0x65, 0x20] // "tree "
const PARENT = [0x70, 0x61, 0x72, 0x65, 0x6e, 0x74, 0x20] // "parent "
const COMMITTER = [0x63, 0x6f, 0x6d, 0x6d, 0x69, 0x74, 0x74, 0x65, 0x72, 0x20] // "committer "

function startsWithAt(body: Uint8Array, at: number, prefix: number[]): boolean {
  for (let i = 0; i < prefix.length; i++) if (body[at + i] !== prefix[i]) return false
  return true
}

/** Whether 40 lowercase hex digits and a newline start at `at`. */
function isIdAt(body: Uint8Array, at: number): boolean {
  if (body[at + 40] !== 0x0a) return false
  for (let i = at; i < at + 40; i++) {
    const c = body[i]
    if ((c - 0x30) >>> 0 > 9 && (c - 0x61) >>> 0 > 5) return false
  }
  return true
}

/**
 * Checks the header's shape and hands parents and committer time to `commit`; false (nothing
 * handed) if anything is unusual. The tree id is checked here and decoded only when asked for.
 */
function scanHeader(body: Uint8Array, commit: Commit): boolean {
  if (!startsWithAt(body, 0, TREE) || !isIdAt(body, 5)) return false
  let p = 46
  const parents: string[] = []
  while (startsWithAt(body, p, PARENT)) {
    if (!isIdAt(body, p + 7)) return false
    parents.push(asciiString(body, p + 7, p + 47))
    p += 48
  }
  // The author line, then the committer line: "committer Name <email> <seconds> <+hhmm>".
  p = body.indexOf(0x0a, p) + 1
  if (p === 0 || !startsWithAt(body, p, COMMITTER)) return false
  const end = body.indexOf(0x0a, p)
  if (end < 0) return false
  const zone = end - 6
  if (body[zone] !== 0x20) return false
  let digits = zone - 1
  let timestamp = 0
  let scale = 1
  while (digits > p && body[digits] >= 0x30 && body[digits] <= 0x39) {
    timestamp += (body[digits] - 0x30) * scale
    scale *= 10
    digits--
  }
  if (scale === 1 || body[digits] !== 0x20) return false
  commit.setScanned(parents, timestamp)
  return true
}

export interface CommitInfo {
  id: string
  tree: string
  parents: string[]
  author: string
  committer: string
  /** The author date. */
  date: Date
  message: string
}

export const COMMIT: ObjectKind<Commit> = {
  type: 'commit',
  parse: (id, body) => new Commit(id, body),
  is: (value): value is Commit => value instanceof Commit,
}

/** What a write says about itself; everything has a default. */
export interface CommitOptions {
  message?: string
  /** `"Name <email>"`. */
  author?: string
  /** Defaults to the author. */
  committer?: string
  /** A `Date`, or seconds since the epoch (git's unit). Defaults to the repo's clock. */
  date?: Date | number
  /** `+hhmm`; default `+0000`, so the same write gives the same id on every machine. */
  timezone?: string
  /** Make a commit even when the tree did not change (default false: such writes are no-ops). */
  allowEmpty?: boolean
}

export interface CommitDefaults {
  author: string
  clock: () => Date
}

export function buildGitCommit(tree: string, parents: readonly string[], options: CommitOptions, defaults: CommitDefaults, defaultMessage: string): GitCommit {
  const timestamp = toSeconds(options.date ?? defaults.clock())
  const timezone = options.timezone ?? '+0000'
  const author = signature(options.author ?? defaults.author, timestamp, timezone)
  const committer = options.committer === undefined ? author : signature(options.committer, timestamp, timezone)
  let message = options.message ?? defaultMessage
  if (typeof message !== 'string') throw new InvalidCommitInfoError('message must be a string')
  if (!message.endsWith('\n')) message += '\n'
  return { tree, parents, author, committer, extraHeaders: [], message }
}

/** The last identity parsed: a writer commits as the same author again and again. */
let lastIdentity: { text: string; parsed: { name: string; email: string } } | undefined

function signature(identity: string, timestamp: number, timezone: string): Signature {
  if (typeof identity !== 'string') throw new InvalidCommitInfoError('author and committer are strings "Name <email>"')
  if (lastIdentity?.text !== identity) lastIdentity = { text: identity, parsed: parseIdentity(identity) }
  return { ...lastIdentity.parsed, timestamp, timezone }
}

function toSeconds(date: Date | number): number {
  if (date instanceof Date) {
    const ms = date.getTime()
    if (Number.isNaN(ms)) throw new InvalidCommitInfoError('date is an invalid Date')
    return Math.floor(ms / 1000)
  }
  if (typeof date !== 'number') throw new InvalidCommitInfoError('date must be a Date or seconds since the epoch')
  return date
}
