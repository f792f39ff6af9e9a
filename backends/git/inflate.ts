/**
 * A zlib inflater (RFC 1950/1951) for streams whose inflated size is known in advance, as it is
 * for every pack entry: it writes straight into the caller's buffer (the framed object, after
 * its header) with no intermediate copy, and sets nothing up per call beyond two lookup tables
 * reused from call to call. node:zlib's `inflateSync` builds a whole stream object per call
 * (~15 µs), which for the tens of thousands of small deltas of a packed history costs more than
 * the inflating itself.
 *
 * Every malformation (bad header, bad code lengths, a code not in the table, a distance before
 * the start, more or fewer bytes than expected, a truncated stream, a wrong Adler-32) is
 * reported as a message; the caller turns it into its typed error.
 */
import { adler32 } from './adler32.js'

const LENGTH_BASE = new Uint16Array([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258])
const LENGTH_EXTRA = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0])
const DISTANCE_BASE = new Uint16Array([1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577])
const DISTANCE_EXTRA = new Uint8Array([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13])
/** The order code-length code lengths are sent in. */
const CODE_LENGTH_ORDER = new Uint8Array([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15])

/**
 * A Huffman decoding table indexed by the next `bits` bits of input (least significant first):
 * each entry is `symbol << 4 | code length`, 0 where no code matches.
 */
interface Table {
  entries: Uint16Array
  bits: number
}

const counts = new Uint16Array(16)
const nextCode = new Uint16Array(16)

/** Fills `table` from code lengths `lengths[0, n)`; returns a message when they are not a valid code. */
function build(table: Table, lengths: Uint8Array, n: number): string | undefined {
  counts.fill(0)
  let max = 0
  for (let s = 0; s < n; s++) {
    counts[lengths[s]]++
    if (lengths[s] > max) max = lengths[s]
  }
  counts[0] = 0
  let left = 1
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - counts[len]
    if (left < 0) return 'over-subscribed Huffman code'
  }
  let code = 0
  for (let len = 1; len <= 15; len++) {
    code = (code + counts[len - 1]) << 1
    nextCode[len] = code
  }
  const bits = Math.max(max, 1)
  const size = 1 << bits
  const entries = table.entries
  entries.fill(0, 0, size)
  for (let s = 0; s < n; s++) {
    const len = lengths[s]
    if (len === 0) continue
    // Codes are sent most significant bit first; the table is indexed least significant first.
    let c = nextCode[len]++
    let reversed = 0
    for (let i = 0; i < len; i++) {
      reversed = (reversed << 1) | (c & 1)
      c >>= 1
    }
    const entry = (s << 4) | len
    for (let i = reversed; i < size; i += 1 << len) entries[i] = entry
  }
  table.bits = bits
  return undefined
}

const literals: Table = { entries: new Uint16Array(1 << 15), bits: 0 }
const distances: Table = { entries: new Uint16Array(1 << 15), bits: 0 }
const fixedLiterals: Table = { entries: new Uint16Array(1 << 9), bits: 0 }
const fixedDistances: Table = { entries: new Uint16Array(1 << 5), bits: 0 }
const lengths = new Uint8Array(288 + 32)
{
  for (let s = 0; s < 288; s++) lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8
  build(fixedLiterals, lengths, 288)
  lengths.fill(5, 0, 30)
  build(fixedDistances, lengths, 30)
}

/**
 * Inflates the zlib stream `src` into `out[at, at + size)`; it must produce exactly `size` bytes.
 * Returns undefined on success, or what is wrong with the stream.
 */
export function inflateKnownSize(src: Uint8Array, out: Uint8Array, at: number, size: number): string | undefined {
  const end = src.length
  if (end < 2) return 'truncated zlib stream'
  const cmf = src[0]
  const flg = src[1]
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || (cmf * 256 + flg) % 31 !== 0) return 'incorrect header check'
  if (flg & 0x20) return 'stream needs a preset dictionary'
  const limit = at + size
  let pos = 2
  let buffer = 0
  let count = 0
  let q = at
  let last = 0
  // Past the end of `src` the reader feeds zero bytes (so a table lookup near the end need not
  // check), counting them; consuming any of them means the stream was truncated.
  do {
    if (pos > end + 4) return 'truncated zlib stream'
    while (count < 3) {
      buffer |= (pos < end ? src[pos] : 0) << count
      pos++
      count += 8
    }
    last = buffer & 1
    const type = (buffer >>> 1) & 3
    buffer >>>= 3
    count -= 3
    if (type === 0) {
      // Stored: skip to a byte boundary, then LEN, NLEN and LEN bytes copied as they are.
      pos -= count >> 3
      buffer = 0
      count = 0
      if (pos + 4 > end) return 'truncated zlib stream'
      const length = src[pos] | (src[pos + 1] << 8)
      if ((src[pos + 2] | (src[pos + 3] << 8)) !== (~length & 0xffff)) return 'invalid stored block lengths'
      pos += 4
      if (pos + length > end) return 'truncated zlib stream'
      if (q + length > limit) return `inflates to more than ${size} bytes`
      out.set(src.subarray(pos, pos + length), q)
      q += length
      pos += length
      continue
    }
    let lit: Table
    let dist: Table
    if (type === 1) {
      lit = fixedLiterals
      dist = fixedDistances
    } else if (type === 2) {
      while (count < 14) {
        buffer |= (pos < end ? src[pos] : 0) << count
        pos++
        count += 8
      }
      const nLit = (buffer & 31) + 257
      const nDist = ((buffer >>> 5) & 31) + 1
      const nCode = ((buffer >>> 10) & 15) + 4
      buffer >>>= 14
      count -= 14
      if (nLit > 286 || nDist > 30) return 'too many length or distance symbols'
      lengths.fill(0, 0, 19)
      for (let i = 0; i < nCode; i++) {
        if (count < 3) {
          buffer |= (pos < end ? src[pos] : 0) << count
          pos++
          count += 8
        }
        lengths[CODE_LENGTH_ORDER[i]] = buffer & 7
        buffer >>>= 3
        count -= 3
      }
      let problem = build(literals, lengths, 19)
      if (problem) return problem
      const codeTable = literals.entries
      const codeMask = (1 << literals.bits) - 1
      const total = nLit + nDist
      let i = 0
      while (i < total) {
        while (count < 14) {
          buffer |= (pos < end ? src[pos] : 0) << count
          pos++
          count += 8
        }
        const entry = codeTable[buffer & codeMask]
        const len = entry & 15
        if (len === 0) return 'invalid code lengths set'
        buffer >>>= len
        count -= len
        const symbol = entry >> 4
        if (symbol < 16) {
          lengths[i++] = symbol
          continue
        }
        let repeat: number
        let value = 0
        if (symbol === 16) {
          if (i === 0) return 'invalid bit length repeat'
          value = lengths[i - 1]
          repeat = 3 + (buffer & 3)
          buffer >>>= 2
          count -= 2
        } else if (symbol === 17) {
          repeat = 3 + (buffer & 7)
          buffer >>>= 3
          count -= 3
        } else {
          repeat = 11 + (buffer & 127)
          buffer >>>= 7
          count -= 7
        }
        if (i + repeat > total) return 'invalid bit length repeat'
        lengths.fill(value, i, i + repeat)
        i += repeat
      }
      if (lengths[256] === 0) return 'invalid code -- missing end-of-block'
      problem = build(literals, lengths, nLit)
      if (problem) return problem
      // Distance lengths follow the literal lengths; copy them down to build from index 0.
      lengths.copyWithin(0, nLit, total)
      problem = build(distances, lengths, nDist)
      if (problem) return problem
      lit = literals
      dist = distances
    } else {
      return 'invalid block type'
    }
    const litTable = lit.entries
    const litMask = (1 << lit.bits) - 1
    const distTable = dist.entries
    const distMask = (1 << dist.bits) - 1
    for (;;) {
      while (count < 15) {
        buffer |= (pos < end ? src[pos] : 0) << count
        pos++
        count += 8
      }
      const entry = litTable[buffer & litMask]
      const len = entry & 15
      if (len === 0) return 'invalid literal/length code'
      buffer >>>= len
      count -= len
      let symbol = entry >> 4
      if (symbol < 256) {
        if (q >= limit) return `inflates to more than ${size} bytes`
        out[q++] = symbol
        continue
      }
      if (symbol === 256) break
      symbol -= 257
      if (symbol >= 29) return 'invalid literal/length code'
      const extra = LENGTH_EXTRA[symbol]
      let length = LENGTH_BASE[symbol]
      if (extra > 0) {
        while (count < extra) {
          buffer |= (pos < end ? src[pos] : 0) << count
          pos++
          count += 8
        }
        length += buffer & ((1 << extra) - 1)
        buffer >>>= extra
        count -= extra
      }
      while (count < 15) {
        buffer |= (pos < end ? src[pos] : 0) << count
        pos++
        count += 8
      }
      const dEntry = distTable[buffer & distMask]
      const dLen = dEntry & 15
      if (dLen === 0) return 'invalid distance code'
      buffer >>>= dLen
      count -= dLen
      const dSymbol = dEntry >> 4
      if (dSymbol >= 30) return 'invalid distance code'
      const dExtra = DISTANCE_EXTRA[dSymbol]
      let distance = DISTANCE_BASE[dSymbol]
      if (dExtra > 0) {
        while (count < dExtra) {
          buffer |= (pos < end ? src[pos] : 0) << count
          pos++
          count += 8
        }
        distance += buffer & ((1 << dExtra) - 1)
        buffer >>>= dExtra
        count -= dExtra
      }
      if (distance > q - at) return 'invalid distance too far back'
      if (q + length > limit) return `inflates to more than ${size} bytes`
      let from = q - distance
      if (distance >= length && length > 32) {
        out.copyWithin(q, from, from + length)
        q += length
      } else {
        // Short, or overlapping (a run repeating the last `distance` bytes): byte by byte.
        const stop = q + length
        while (q < stop) out[q++] = out[from++]
      }
    }
  } while (!last)
  // The Adler-32 begins at the next byte boundary, after any whole bytes still in the buffer.
  pos -= count >> 3
  if (pos + 4 > end) return 'truncated zlib stream'
  if (q !== limit) return `inflates to ${q - at} bytes, expected ${size}`
  const expected = ((src[pos] << 24) | (src[pos + 1] << 16) | (src[pos + 2] << 8) | src[pos + 3]) >>> 0
  if (adler32(out, at, limit) !== expected) return 'incorrect data check'
  return undefined
}
