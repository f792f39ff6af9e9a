/**
 * `<root>/serve.json`: `irmin serve` writes its pid and URL there while it runs, so that a
 * command finding the LevelDB store locked can say who holds it. A note left by a server that
 * died is recognised by its pid no longer running, and ignored.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ServerNote } from '../errors.js'

const NOTE_FILE = 'serve.json'

export function writeServerNote(root: string, note: ServerNote): void {
  writeFileSync(join(root, NOTE_FILE), `${JSON.stringify(note)}\n`)
}

/** Removes the note if it is still this process's (another server may have replaced it). */
export function removeServerNote(root: string, pid: number): void {
  if (readServerNote(root)?.pid === pid) rmSync(join(root, NOTE_FILE), { force: true })
}

/** The note of a server that is running now, if any. */
export function runningServer(root: string): ServerNote | undefined {
  const note = readServerNote(root)
  return note && isRunning(note.pid) ? note : undefined
}

function readServerNote(root: string): ServerNote | undefined {
  try {
    const note = JSON.parse(readFileSync(join(root, NOTE_FILE), 'utf8')) as Partial<ServerNote>
    return typeof note.pid === 'number' && typeof note.url === 'string' ? { pid: note.pid, url: note.url } : undefined
  } catch {
    return undefined // absent or half-written: as good as no note
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
