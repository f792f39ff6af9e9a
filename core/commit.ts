/**
 * Commits as the store sees them: the parsed git commit under its id (cached like any object),
 * the `CommitInfo` shape the API returns, and how commit options become git headers.
 */
import { InvalidCommitInfoError } from './errors.js'
import type { ObjectKind } from './object-store.js'
import { formatIdentity, type GitCommit, parseCommit, parseIdentity, type Signature } from './objects/git-commit.js'

export class Commit {
  constructor(
    readonly id: string,
    readonly git: GitCommit,
  ) {}

  get objectType(): 'commit' {
    return 'commit'
  }

  get tree(): string {
    return this.git.tree
  }

  get parents(): readonly string[] {
    return this.git.parents
  }

  /** Committer time in seconds: what history order and LCA search go by, as in git. */
  get timestamp(): number {
    return this.git.committer.timestamp
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
  parse: (id, body) => new Commit(id, parseCommit(id, body)),
  weight: c => 256 + c.git.message.length * 2 + c.git.parents.length * 48,
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

function signature(identity: string, timestamp: number, timezone: string): Signature {
  if (typeof identity !== 'string') throw new InvalidCommitInfoError('author and committer are strings "Name <email>"')
  return { ...parseIdentity(identity), timestamp, timezone }
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
