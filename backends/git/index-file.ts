/**
 * The object ids a work tree's index (`index`, git's "DIRC" file, versions 2 to 4) names: every
 * staged blob (gitlinks, which name commits of other repositories, excepted), and the trees of
 * its cache-tree extension. Garbage collection keeps them, as `git gc` does: a blob that was
 * `git add`ed but not committed is referenced only here.
 */
import { toHex } from '../../core/hex.js'

const GITLINK = 0o160000
/** ctime, mtime, dev, ino, mode, uid, gid, size: the fixed fields before an entry's id. */
const STAT_BYTES = 40
const EXTENDED = 0x4000

/** The ids the index names, or none when it is not an index this code understands (git will say). */
export function indexObjectIds(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 12 + 20 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'DIRC') return []
  const version = view.getUint32(4)
  if (version < 2 || version > 4) return []
  const count = view.getUint32(8)
  const end = bytes.length - 20 // the trailing checksum
  const ids: string[] = []
  let p = 12
  for (let i = 0; i < count; i++) {
    if (p + STAT_BYTES + 22 > end) return ids
    const mode = view.getUint32(p + 24)
    if (mode !== GITLINK) ids.push(toHex(bytes, p + STAT_BYTES, p + STAT_BYTES + 20))
    const flags = view.getUint16(p + STAT_BYTES + 20)
    let q = p + STAT_BYTES + 22 + (version >= 3 && flags & EXTENDED ? 2 : 0)
    if (version === 4) {
      while (q < end && bytes[q] & 0x80) q++ // the prefix-length varint
      q++
    }
    const nul = bytes.indexOf(0, q)
    if (nul < 0 || nul >= end) return ids
    // Versions 2 and 3 pad each entry with 1 to 8 NULs to a multiple of 8 bytes; 4 does not pad.
    p = version === 4 ? nul + 1 : p + ((nul - p + 8) & ~7)
  }
  for (;;) {
    if (p + 8 > end) return ids
    const signature = String.fromCharCode(...bytes.subarray(p, p + 4))
    const size = view.getUint32(p + 4)
    if (signature === 'TREE') cacheTreeIds(bytes.subarray(p + 8, Math.min(end, p + 8 + size)), ids)
    p += 8 + size
  }
}

/** Cache-tree entries: `path\0<entries> <subtrees>\n` and, when valid (entries ≥ 0), the tree id. */
function cacheTreeIds(data: Uint8Array, ids: string[]): void {
  let p = 0
  while (p < data.length) {
    const nul = data.indexOf(0, p)
    const newline = data.indexOf(0x0a, nul)
    if (nul < 0 || newline < 0) return
    const counts = String.fromCharCode(...data.subarray(nul + 1, newline))
    p = newline + 1
    if (counts.startsWith('-')) continue
    if (p + 20 > data.length) return
    ids.push(toHex(data, p, p + 20))
    p += 20
  }
}
