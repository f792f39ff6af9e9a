/**
 * A paragraph's thread as the store keeps it: an append-only log of entries (the store merges
 * logs by union, ordered by time then id). Nothing is ever rewritten: an edit or a deletion is a
 * new entry naming the comment it changes, so two readers who change the same thread offline
 * always merge without conflict. What a reader sees is a fold of the log (`visibleComments`):
 *
 * - only a comment's author may edit or delete it (entries by anyone else are ignored);
 * - a deletion wins over every edit, earlier or concurrent: a deleted comment stays deleted;
 * - of several edits, the latest (by time, then id) gives the text.
 */
import type { LogEntry } from '../../core/index.js'

export type ThreadEntry = CommentEntry | EditEntry | DeleteEntry

interface EntryBase extends LogEntry {
  readonly id: string
  /** Milliseconds since the epoch, on the writer's clock. */
  readonly time: number
  readonly author: string
}

export interface CommentEntry extends EntryBase {
  readonly kind: 'comment'
  readonly text: string
}

export interface EditEntry extends EntryBase {
  readonly kind: 'edit'
  readonly target: string
  readonly text: string
}

export interface DeleteEntry extends EntryBase {
  readonly kind: 'delete'
  readonly target: string
}

/** A comment as shown: its latest text and whether it was edited. */
export interface VisibleComment {
  readonly id: string
  readonly author: string
  readonly time: number
  readonly text: string
  readonly edited: boolean
}

/** Longer comments are refused with a message: a thread is read in a margin, not a book. */
export const MAX_COMMENT_CHARS = 10_000
export const MAX_NAME_CHARS = 80

export function visibleComments(entries: readonly ThreadEntry[]): VisibleComment[] {
  const comments = new Map<string, CommentEntry>()
  for (const entry of entries) if (entry.kind === 'comment') comments.set(entry.id, entry)
  const deleted = new Set<string>()
  const latestEdit = new Map<string, EditEntry>()
  for (const entry of entries) {
    const target = entry.kind === 'comment' ? undefined : comments.get(entry.target)
    if (!target || target.author !== entry.author) continue
    if (entry.kind === 'delete') deleted.add(target.id)
    else if (entry.kind === 'edit') {
      const seen = latestEdit.get(target.id)
      if (!seen || later(entry, seen)) latestEdit.set(target.id, entry)
    }
  }
  const visible: VisibleComment[] = []
  for (const comment of entries) {
    if (comment.kind !== 'comment' || deleted.has(comment.id)) continue
    const edit = latestEdit.get(comment.id)
    visible.push({ id: comment.id, author: comment.author, time: comment.time, text: edit?.text ?? comment.text, edited: edit !== undefined })
  }
  return visible
}

function later(a: ThreadEntry, b: ThreadEntry): boolean {
  return a.time > b.time || (a.time === b.time && a.id > b.id)
}

/** Why a comment's text cannot be stored, or undefined when it can. */
export function commentProblem(text: string): string | undefined {
  if (text.trim() === '') return 'A comment needs some text.'
  if (text.length > MAX_COMMENT_CHARS) {
    return `This comment is ${text.length.toLocaleString('en')} characters long; the limit is ${MAX_COMMENT_CHARS.toLocaleString('en')}.`
  }
  return undefined
}

/** Why a reader's name cannot be used, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'Please give a name to sign your comments with.'
  if (name.length > MAX_NAME_CHARS) return `A name is at most ${MAX_NAME_CHARS} characters.`
  return undefined
}

/** Unique across readers and tabs: time-ordered prefix, then random bits. */
export function newEntryId(now: number, random: () => number = Math.random): string {
  let tail = ''
  for (let i = 0; i < 12; i++) tail += Math.floor(random() * 36).toString(36)
  return `${now.toString(36).padStart(9, '0')}-${tail}`
}
