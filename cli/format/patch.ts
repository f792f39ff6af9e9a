/**
 * File changes as `git diff` prints them: the `diff --git` header, mode and index lines, then
 * the unified hunks, or git's one line for binary data. Renames are not detected (a rename is a
 * deletion and an addition, as `git diff --no-renames` shows it).
 */
import type { FilePatch } from '../store/changes.js'
import { unifiedLines } from './unified.js'

const ZERO = '0000000'

export function patchLines(patches: readonly FilePatch[]): string[] {
  return patches.flatMap(filePatch)
}

function filePatch(p: FilePatch): string[] {
  const [a, b] = [quotePath(`a/${p.path}`), quotePath(`b/${p.path}`)]
  const lines = [`diff --git ${a} ${b}`]
  const short = (id: string | undefined) => (id ? id.slice(0, 7) : ZERO)
  if (!p.before) lines.push(`new file mode ${p.after!.mode}`)
  else if (!p.after) lines.push(`deleted file mode ${p.before.mode}`)
  else if (p.before.mode !== p.after.mode) lines.push(`old mode ${p.before.mode}`, `new mode ${p.after.mode}`)
  if (p.before?.id === p.after?.id) return lines
  const sameMode = p.before && p.after && p.before.mode === p.after.mode
  lines.push(`index ${short(p.before?.id)}..${short(p.after?.id)}${sameMode ? ` ${p.after!.mode}` : ''}`)
  const [from, to] = [p.before ? a : '/dev/null', p.after ? b : '/dev/null']
  if (p.binary) return [...lines, `Binary files ${from} and ${to} differ`]
  if (!p.hunks || p.hunks.length === 0) return lines
  return [...lines, `--- ${from}`, `+++ ${to}`, ...unifiedLines(p.hunks)]
}

const ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r', '"': '\\"', '\\': '\\\\' }

/** A path as git quotes it (core.quotePath on): in double quotes, with C escapes and octal bytes, when it needs them. */
export function quotePath(path: string): string {
  const bytes = new TextEncoder().encode(path)
  if (!bytes.some(c => c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c)) return path
  let out = ''
  for (const c of bytes) {
    const ch = String.fromCharCode(c)
    if (ESCAPES[ch]) out += ESCAPES[ch]
    else if (c < 0x20 || c >= 0x7f) out += `\\${c.toString(8).padStart(3, '0')}`
    else out += ch
  }
  return `"${out}"`
}
