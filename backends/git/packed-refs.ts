/**
 * `packed-refs`: the refs `git pack-refs` (and `git gc`) moved out of their loose files, one
 * `<id> <name>` line each, after an optional `# pack-refs with: …` header; a `^<id>` line after a
 * tag gives what it peels to. A loose ref of the same name overrides the packed one. The file is
 * re-read only when it changed (new inode, size or mtime: writers replace it by rename).
 */
import { readFileSync, statSync } from 'node:fs'

const REF_LINE = /^([0-9a-fA-F]{40}) (.+)$/

export class PackedRefs {
  private cached: { stamp: string; refs: Map<string, string> } | undefined

  constructor(readonly path: string) {}

  /** The packed refs now, by name. */
  current(): Map<string, string> {
    const info = statSync(this.path, { bigint: true, throwIfNoEntry: false })
    if (info === undefined) return (this.cached = { stamp: '', refs: new Map() }).refs
    const stamp = `${info.ino}:${info.size}:${info.mtimeNs}`
    if (this.cached?.stamp === stamp) return this.cached.refs
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      text = ''
    }
    this.cached = { stamp, refs: parsePackedRefs(text) }
    return this.cached.refs
  }
}

export function parsePackedRefs(text: string): Map<string, string> {
  const refs = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = REF_LINE.exec(line)
    if (match) refs.set(match[2], match[1].toLowerCase())
  }
  return refs
}

/** `text` without the line for `name` (and its `^` peeled line); undefined when `name` is not in it. */
export function withoutRef(text: string, name: string): string | undefined {
  const lines = text.split('\n')
  const at = lines.findIndex(line => REF_LINE.exec(line)?.[2] === name)
  if (at < 0) return undefined
  const drop = at + 1 < lines.length && lines[at + 1].startsWith('^') ? 2 : 1
  lines.splice(at, drop)
  return lines.join('\n')
}
