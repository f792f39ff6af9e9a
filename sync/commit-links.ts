/**
 * The tree and parents of a commit, read from its first header lines without parsing the rest
 * (walks over whole histories need nothing else). Git writes `tree` first, then the `parent`s.
 */
import { CorruptObjectError } from '../core/index.js'

export interface CommitLinks {
  readonly tree: string
  readonly parents: string[]
}

const TREE = 'tree '
const PARENT = 'parent '

function startsWith(body: Uint8Array, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (body[at + i] !== word.charCodeAt(i)) return false
  return true
}

/** 40 hex digits at `at` followed by a newline, or undefined (checked byte by byte: this runs for every commit of a clone). */
function idAt(body: Uint8Array, at: number): string | undefined {
  if (body[at + 40] !== 0x0a) return undefined
  for (let i = at; i < at + 40; i++) {
    const c = body[i]!
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return undefined
  }
  return latin1.decode(body.subarray(at, at + 40))
}

const latin1 = new TextDecoder('latin1')

export function commitLinks(id: string, body: Uint8Array): CommitLinks {
  const tree = startsWith(body, 0, TREE) ? idAt(body, TREE.length) : undefined
  if (tree === undefined) throw new CorruptObjectError(id, 'commit without a tree line')
  const parents: string[] = []
  let at = TREE.length + 41
  while (startsWith(body, at, PARENT)) {
    const parent = idAt(body, at + PARENT.length)
    if (parent === undefined) throw new CorruptObjectError(id, 'malformed parent line')
    parents.push(parent)
    at += PARENT.length + 41
  }
  return { tree, parents }
}

