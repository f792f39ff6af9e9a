/** What real git says a repository holds: every object, framed, and which pack entries are deltas. */
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { git } from './git.js'

/** id → framed bytes (`"<type> <size>\0" + body`) of every object git can read in `dir`. */
export function gitObjects(dir: string): Map<string, Uint8Array> {
  const out = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: dir, maxBuffer: 1 << 30 })
  const objects = new Map<string, Uint8Array>()
  for (let p = 0; p < out.length; ) {
    const nl = out.indexOf(0x0a, p)
    const [id, type, size] = out.subarray(p, nl).toString().split(' ')
    const body = out.subarray(nl + 1, nl + 1 + Number(size))
    objects.set(id, new Uint8Array(Buffer.concat([Buffer.from(`${type} ${size}\0`), body])))
    p = nl + 1 + Number(size) + 1
  }
  return objects
}

export function packFiles(gitDir: string, ext: 'idx' | 'pack'): string[] {
  const dir = join(gitDir, 'objects', 'pack')
  return readdirSync(dir)
    .filter(f => f.endsWith(`.${ext}`))
    .map(f => join(dir, f))
}

/** The delta entries of every pack in `gitDir`, from `git verify-pack -v` (which also checks the packs). */
export function packDeltas(gitDir: string): Array<{ id: string; depth: number; base: string }> {
  const deltas: Array<{ id: string; depth: number; base: string }> = []
  for (const idx of packFiles(gitDir, 'idx')) {
    for (const line of git(gitDir, ['verify-pack', '-v', idx]).split('\n')) {
      // "<id> <type> <size> <size in pack> <offset> <depth> <base id>" for deltas
      const fields = line.trim().split(/\s+/)
      if (fields.length === 7 && /^[0-9a-f]{40}$/.test(fields[6])) deltas.push({ id: fields[0], depth: Number(fields[5]), base: fields[6] })
    }
  }
  return deltas
}
