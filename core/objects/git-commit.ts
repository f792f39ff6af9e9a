/**
 * Git's commit object, byte for byte: `tree`, `parent`*, `author`, `committer`, any other headers
 * git may have written (`encoding`, `gpgsig`, `mergetag`, kept in order so a commit read from git
 * re-serialises to the same id), a blank line, then the message exactly as given.
 */
import { CorruptObjectError, InvalidCommitInfoError } from '../errors.js'
import { isObjectId } from '../hex.js'
import { decodeUtf8, encodeUtf8 } from '../utf8.js'
import { frameObject } from './frame.js'

/** `Name <email> <seconds> <+hhmm>` as git writes it. */
export interface Signature {
  readonly name: string
  readonly email: string
  /** Seconds since the Unix epoch. */
  readonly timestamp: number
  /** `+hhmm` / `-hhmm`, as git stores it. */
  readonly timezone: string
}

export interface GitCommit {
  readonly tree: string
  readonly parents: readonly string[]
  readonly author: Signature
  readonly committer: Signature
  readonly extraHeaders: ReadonlyArray<readonly [key: string, value: string]>
  readonly message: string
}

const TIMEZONE = /^[+-](0\d|1[0-4])[0-5]\d$/

/** Parses `"Ada <ada@example.org>"` (or a bare name) into name and email. */
export function parseIdentity(text: string): { name: string; email: string } {
  const match = /^([^<>\n]*?)\s*<([^<>\n]*)>\s*$/.exec(text)
  if (match) return { name: match[1], email: match[2] }
  if (/[<>\n\0]/.test(text)) throw new InvalidCommitInfoError(`cannot read identity "${text}": expected "Name <email>"`)
  return { name: text.trim(), email: '' }
}

export function formatIdentity(sig: { name: string; email: string }): string {
  return `${sig.name} <${sig.email}>`
}

function checkSignature(role: string, sig: Signature): void {
  if (/[<>\n\0]/.test(sig.name)) throw new InvalidCommitInfoError(`${role} name "${sig.name}" contains <, >, NUL or a newline`)
  if (/[<>\n\0]/.test(sig.email)) throw new InvalidCommitInfoError(`${role} email "${sig.email}" contains <, >, NUL or a newline`)
  if (!Number.isSafeInteger(sig.timestamp) || sig.timestamp < 0) {
    throw new InvalidCommitInfoError(`${role} date ${sig.timestamp} is not a non-negative whole number of seconds`)
  }
  if (!TIMEZONE.test(sig.timezone)) throw new InvalidCommitInfoError(`${role} timezone "${sig.timezone}" is not +hhmm`)
}

function formatSignature(sig: Signature): string {
  return `${sig.name} <${sig.email}> ${sig.timestamp} ${sig.timezone}`
}

/** Frames a commit; throws `InvalidCommitInfoError` for anything git would not write. */
export function serializeCommit(commit: GitCommit): Uint8Array {
  if (!isObjectId(commit.tree)) throw new InvalidCommitInfoError(`tree "${commit.tree}" is not an object id`)
  for (const p of commit.parents) if (!isObjectId(p)) throw new InvalidCommitInfoError(`parent "${p}" is not an object id`)
  checkSignature('author', commit.author)
  checkSignature('committer', commit.committer)
  if (commit.message.includes('\0')) throw new InvalidCommitInfoError('message contains NUL')
  let text = `tree ${commit.tree}\n`
  for (const p of commit.parents) text += `parent ${p}\n`
  text += `author ${formatSignature(commit.author)}\ncommitter ${formatSignature(commit.committer)}\n`
  for (const [key, value] of commit.extraHeaders) text += `${key} ${value.replace(/\n/g, '\n ')}\n`
  text += `\n${commit.message}`
  return frameObject('commit', encodeUtf8(text))
}

const SIGNATURE = /^(.*?) ?<([^<>]*)> (\d+) ([+-]\d{4})$/

function parseSignature(id: string, role: string, value: string): Signature {
  const m = SIGNATURE.exec(value)
  if (!m) throw new CorruptObjectError(id, `malformed ${role} line "${value}"`)
  return { name: m[1], email: m[2], timestamp: Number(m[3]), timezone: m[4] }
}

export function parseCommit(id: string, body: Uint8Array): GitCommit {
  let text: string
  try {
    text = decodeUtf8(body)
  } catch {
    // Git allows other encodings (the `encoding` header); read them byte-preserving as latin1.
    text = ''
    for (const byte of body) text += String.fromCharCode(byte)
  }
  const blank = text.indexOf('\n\n')
  const headerText = blank < 0 ? text.replace(/\n$/, '') : text.slice(0, blank)
  const message = blank < 0 ? '' : text.slice(blank + 2)
  const headers: Array<[string, string]> = []
  for (const line of headerText.split('\n')) {
    if (line.startsWith(' ') && headers.length > 0) {
      headers[headers.length - 1][1] += '\n' + line.slice(1)
      continue
    }
    const space = line.indexOf(' ')
    if (space <= 0) throw new CorruptObjectError(id, `malformed commit header "${line}"`)
    headers.push([line.slice(0, space), line.slice(space + 1)])
  }
  let i = 0
  const next = (key: string): string | undefined => (headers[i]?.[0] === key ? headers[i++][1] : undefined)
  const tree = next('tree')
  if (!tree || !isObjectId(tree)) throw new CorruptObjectError(id, 'commit without a valid tree')
  const parents: string[] = []
  for (let p = next('parent'); p !== undefined; p = next('parent')) {
    if (!isObjectId(p)) throw new CorruptObjectError(id, `commit parent "${p}" is not an object id`)
    parents.push(p)
  }
  const author = next('author')
  const committer = next('committer')
  if (author === undefined || committer === undefined) throw new CorruptObjectError(id, 'commit without author or committer')
  return {
    tree,
    parents,
    author: parseSignature(id, 'author', author),
    committer: parseSignature(id, 'committer', committer),
    extraHeaders: headers.slice(i),
    message,
  }
}
