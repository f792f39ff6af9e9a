/** Packs for the pack-parser tests: made by real `git pack-objects`, or by hand for bad input. */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { deflateSync } from 'node:zlib'
import { writeEntryHeader, writeOfsDistance } from '../../backends/git/pack-format.js'
import { git, tempDir } from '../helpers/git.js'

/** A repository whose files change a little per commit, so pack-objects deltifies them. */
export function deltaRepo(commits = 12): string {
  const dir = tempDir('irmin-pack-')
  git(dir, ['init', '-q', '-b', 'main'])
  const lines = Array.from({ length: 400 }, (_, i) => `line ${i} of a file that changes a little each commit`)
  for (let c = 0; c < commits; c++) {
    lines[(c * 37) % lines.length] = `changed in commit ${c}`
    const body = lines.join('\n') + '\n'
    execFileSync('sh', ['-c', 'cat > a.txt && cp a.txt b.txt && mkdir -p d && cp a.txt d/c.txt'], { cwd: dir, input: body })
    git(dir, ['add', '-A'])
    git(dir, ['commit', '-q', '-m', `commit ${c}`])
  }
  git(dir, ['tag', '-a', 'v1', '-m', 'an annotated tag'])
  return dir
}

/** `git pack-objects --stdout` for the revisions given (`HEAD`, `^HEAD~3`, …). */
export function packOf(dir: string, revs: string[], flags: string[] = []): Uint8Array {
  const out = execFileSync('git', ['pack-objects', '--stdout', '--revs', ...flags], { cwd: dir, input: revs.join('\n') + '\n', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'ignore'] })
  return new Uint8Array(out)
}

/** The ids `git rev-list --objects` lists for `revs`. */
export function objectIdsOf(dir: string, revs: string[]): string[] {
  return git(dir, ['rev-list', '--objects', ...revs])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(0, 40))
}

export type HandEntry =
  | { type: 1 | 2 | 3 | 4 | 5 | 0; data: Uint8Array }
  | { type: 6; distanceTo: number; data: Uint8Array }
  | { type: 7; base: string; data: Uint8Array }

/** A pack written by hand: entries as given (OFS_DELTA bases by entry index), a true trailer. */
export function handPack(entries: HandEntry[], count = entries.length): Uint8Array {
  const parts: Uint8Array[] = []
  const header = new Uint8Array(12)
  header.set([0x50, 0x41, 0x43, 0x4b])
  new DataView(header.buffer).setUint32(4, 2)
  new DataView(header.buffer).setUint32(8, count)
  parts.push(header)
  const offsets: number[] = []
  let offset = 12
  for (const entry of entries) {
    offsets.push(offset)
    const head = new Uint8Array(40)
    let p = writeEntryHeader(entry.type, entry.data.length, head, 0)
    if (entry.type === 6) p = writeOfsDistance(offset - offsets[entry.distanceTo]!, head, p)
    if (entry.type === 7) {
      head.set(Buffer.from(entry.base, 'hex'), p)
      p += 20
    }
    const z = deflateSync(entry.data)
    parts.push(head.subarray(0, p), z)
    offset += p + z.length
  }
  return withTrailer(Buffer.concat(parts))
}

/** `bytes` (a pack without its trailer) followed by their true SHA-1. */
export function withTrailer(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([bytes, createHash('sha1').update(bytes).digest()]))
}

/** A delta turning a `baseSize`-byte base into `insert` (no copies): sizes, then inserts. */
export function insertDelta(baseSize: number, insert: Uint8Array, resultSize = insert.length): Uint8Array {
  const out: number[] = []
  for (const n of [baseSize, resultSize]) {
    let v = n
    do {
      out.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0))
      v >>>= 7
    } while (v > 0)
  }
  for (let i = 0; i < insert.length; i += 127) {
    const piece = insert.subarray(i, i + 127)
    out.push(piece.length, ...piece)
  }
  return new Uint8Array(out)
}

/** A copy instruction from the base: offset and size (one byte each suffice here). */
export function copyDelta(baseSize: number, resultSize: number, copyOffset: number, copySize: number): Uint8Array {
  const sizes = insertDelta(baseSize, new Uint8Array(0), resultSize)
  return new Uint8Array([...sizes, 0x80 | 0x01 | 0x10, copyOffset, copySize])
}
