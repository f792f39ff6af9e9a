/**
 * A git delta (gitformat-pack(5), "Deltified representation") of `result` against `base`, made
 * the cheap way: copy the bytes both share at the start and at the end, insert what lies between.
 * That is what a tree needs against its previous version at the same path (a changed entry
 * rewrites 20 bytes of id; an added or removed one, a few dozen), at the cost of two scans.
 */

/** Bytes one copy instruction may take: git's 3-byte size field, kept at the 64 KiB git itself emits. */
const MAX_COPY = 0x10000
/** Bytes one insert instruction carries. */
const MAX_INSERT = 0x7f

/** The delta, or undefined when it would not be smaller than `maxSize`. */
export function prefixSuffixDelta(base: Uint8Array, result: Uint8Array, maxSize = result.length / 2): Uint8Array | undefined {
  const limit = Math.min(base.length, result.length)
  const b = asBuffer(base)
  const r = asBuffer(result)
  const prefix = commonLength(limit, (from, to) => b.compare(r, from, to, from, to) === 0)
  const suffix = commonLength(limit - prefix, (from, to) => b.compare(r, r.length - to, r.length - from, b.length - to, b.length - from) === 0)
  const inserted = result.length - prefix - suffix
  const size = 20 + Math.ceil(inserted / MAX_INSERT) * (MAX_INSERT + 1) + Math.ceil((prefix + suffix) / MAX_COPY + 2) * 8
  if (inserted + 20 > maxSize) return undefined
  const out = new Uint8Array(size)
  let at = writeSize(base.length, out, 0)
  at = writeSize(result.length, out, at)
  at = copy(0, prefix, out, at)
  for (let from = prefix; from < prefix + inserted; from += MAX_INSERT) {
    const length = Math.min(MAX_INSERT, prefix + inserted - from)
    out[at++] = length
    out.set(result.subarray(from, from + length), at)
    at += length
  }
  at = copy(base.length - suffix, suffix, out, at)
  return at > maxSize ? undefined : out.subarray(0, at)
}

/**
 * The longest `n ≤ limit` whose first n bytes match, by bisection: `equal(from, to)` compares
 * bytes [from, to) natively (memcmp, given offsets: no subarray made per call), so a tree of
 * kilobytes costs a dozen calls, not a JS loop.
 */
function commonLength(limit: number, equal: (from: number, to: number) => boolean): number {
  let known = 0 // bytes known to match
  let high = limit // no more can match
  while (known < high) {
    const mid = known + Math.ceil((high - known) / 2)
    if (equal(known, mid)) known = mid
    else high = mid - 1
  }
  return known
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
}

function writeSize(value: number, out: Uint8Array, at: number): number {
  do {
    let byte = value & 0x7f
    value = Math.floor(value / 128)
    if (value > 0) byte |= 0x80
    out[at++] = byte
  } while (value > 0)
  return at
}

/** Copy instructions for base[offset, offset + length), in pieces of at most MAX_COPY. */
function copy(offset: number, length: number, out: Uint8Array, at: number): number {
  for (let from = offset; from < offset + length; from += MAX_COPY) {
    const size = Math.min(MAX_COPY, offset + length - from)
    const op = at++
    let flags = 0x80
    for (let byte = 0; byte < 4; byte++) {
      const value = Math.floor(from / 2 ** (8 * byte)) & 0xff
      if (value !== 0) {
        flags |= 1 << byte
        out[at++] = value
      }
    }
    // A size of 0x10000 is written as no size bytes at all (git reads 0 as 0x10000).
    if (size !== MAX_COPY) {
      for (let byte = 0; byte < 3; byte++) {
        const value = (size >> (8 * byte)) & 0xff
        if (value !== 0) {
          flags |= 0x10 << byte
          out[at++] = value
        }
      }
    }
    out[op] = flags
  }
  return at
}
