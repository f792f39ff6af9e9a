/**
 * Git's annotated tag object: `object <id>`, `type <type>`, `tag <name>`, an optional `tagger`,
 * any other headers git may write, a blank line, then the message (which may carry a signature).
 * A tag names one object of any type, another tag included (`git tag -a` of a tag). The store
 * itself never makes tags; it reads the ones git made, so that GC, fsck and reachability follow
 * them. `serializeTag` exists for the round trip (and the tests that build tags without git).
 */
import { CorruptObjectError, InvalidArgumentError } from '../errors.js'
import { isObjectId } from '../hex.js'
import { decodeUtf8, encodeUtf8 } from '../utf8.js'
import { frameObject, type ObjectType } from './frame.js'

export interface GitTag {
  /** The tagged object. */
  readonly object: string
  readonly type: ObjectType
  readonly name: string
  /** `Name <email> <seconds> <+hhmm>` as written; absent in tags made by very old git. */
  readonly tagger?: string
  readonly message: string
}

const TYPES: readonly ObjectType[] = ['blob', 'tree', 'commit', 'tag']

/** Parses a tag's body; a tag git would not accept is a `CorruptObjectError`. */
export function parseTag(id: string, body: Uint8Array): GitTag {
  const text = decodeUtf8(body)
  const end = text.indexOf('\n\n')
  const headers = (end < 0 ? text : text.slice(0, end)).split('\n')
  const message = end < 0 ? '' : text.slice(end + 2)
  const field = (index: number, key: string): string => {
    const line = headers[index]
    if (line === undefined || !line.startsWith(`${key} `)) throw new CorruptObjectError(id, `tag: expected a "${key}" line, found "${line ?? ''}"`)
    return line.slice(key.length + 1)
  }
  const object = field(0, 'object')
  if (!isObjectId(object)) throw new CorruptObjectError(id, `tag: "${object}" is not an object id`)
  const type = field(1, 'type') as ObjectType
  if (!TYPES.includes(type)) throw new CorruptObjectError(id, `tag: unknown object type "${type}"`)
  const name = field(2, 'tag')
  if (name === '') throw new CorruptObjectError(id, 'tag: empty tag name')
  const tagger = headers[3]?.startsWith('tagger ') ? headers[3].slice('tagger '.length) : undefined
  return { object, type, name, tagger, message }
}

/** Frames a tag; throws `InvalidArgumentError` for one git would not write. */
export function serializeTag(tag: GitTag): Uint8Array {
  if (!isObjectId(tag.object)) throw new InvalidArgumentError(`tag target "${tag.object}" is not an object id`)
  if (!TYPES.includes(tag.type)) throw new InvalidArgumentError(`tag target type "${tag.type}" is not a git object type`)
  if (tag.name === '' || /[\n\0]/.test(tag.name)) throw new InvalidArgumentError(`tag name "${tag.name}" is empty or holds a newline or NUL`)
  if (tag.tagger !== undefined && /[\n\0]/.test(tag.tagger)) throw new InvalidArgumentError('tagger holds a newline or NUL')
  if (tag.message.includes('\0')) throw new InvalidArgumentError('tag message contains NUL')
  const tagger = tag.tagger === undefined ? '' : `tagger ${tag.tagger}\n`
  return frameObject('tag', encodeUtf8(`object ${tag.object}\ntype ${tag.type}\ntag ${tag.name}\n${tagger}\n${tag.message}`))
}
