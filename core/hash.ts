/**
 * SHA-1, injectable. Object ids are git's SHA-1; `core/` must bundle for the browser, so it
 * carries a small synchronous pure-JS SHA-1 and the Node entry swaps in `node:crypto`
 * (`setDefaultHasher`), which is several times faster. Synchronous on purpose: hashing sits on
 * the hot path of every write, and WebCrypto's `digest` costs a promise per object.
 */
import { toHex } from './hex.js'

export interface Hasher {
  /** The SHA-1 of `data` as 40 lowercase hex digits (the object id). */
  sha1Hex(data: Uint8Array): string
}

export const pureSha1Hasher: Hasher = { sha1Hex: data => toHex(sha1(data)) }

let defaultHasher: Hasher = pureSha1Hasher

export function getDefaultHasher(): Hasher {
  return defaultHasher
}

/** Called by the Node entry point; browsers keep the pure implementation. */
export function setDefaultHasher(hasher: Hasher): void {
  defaultHasher = hasher
}

const W = new Int32Array(80)

/** FIPS 180-4 SHA-1 over a byte array. */
export function sha1(data: Uint8Array): Uint8Array {
  const state = Int32Array.from(SHA1_INITIAL)
  const length = data.length
  const padded = ((length + 8) >> 6) + 1 // number of 64-byte blocks
  const tail = new Uint8Array(128)
  const fullBlocks = length >> 6
  const rest = length - fullBlocks * 64
  tail.set(data.subarray(fullBlocks * 64), 0)
  tail[rest] = 0x80
  const tailBlocks = padded - fullBlocks
  const bitLength = length * 8
  const tailEnd = tailBlocks * 64
  // 64-bit big-endian length; lengths past 2^53 bits are not a concern here.
  const high = Math.floor(bitLength / 0x100000000)
  tail[tailEnd - 8] = high >>> 24
  tail[tailEnd - 7] = high >>> 16
  tail[tailEnd - 6] = high >>> 8
  tail[tailEnd - 5] = high
  tail[tailEnd - 4] = bitLength >>> 24
  tail[tailEnd - 3] = bitLength >>> 16
  tail[tailEnd - 2] = bitLength >>> 8
  tail[tailEnd - 1] = bitLength
  for (let block = 0; block < padded; block++) {
    const source = block < fullBlocks ? data : tail
    let p = block < fullBlocks ? block * 64 : (block - fullBlocks) * 64
    for (let i = 0; i < 16; i++, p += 4) {
      W[i] = (source[p] << 24) | (source[p + 1] << 16) | (source[p + 2] << 8) | source[p + 3]
    }
    sha1Compress(state, W)
  }
  const out = new Uint8Array(20)
  for (let i = 0; i < 5; i++) {
    out[i * 4] = state[i] >>> 24
    out[i * 4 + 1] = state[i] >>> 16
    out[i * 4 + 2] = state[i] >>> 8
    out[i * 4 + 3] = state[i]
  }
  return out
}

/** SHA-1's initial state (h0 to h4). */
export const SHA1_INITIAL: readonly number[] = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]

/**
 * SHA-1's compression of one block: the block's 16 big-endian words are `w[0]` to `w[15]` (`w`
 * holds 80: the message schedule is built in it), folded into `state` (h0 to h4).
 */
export function sha1Compress(state: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
    w[i] = (x << 1) | (x >>> 31)
  }
  let a = state[0]
  let b = state[1]
  let c = state[2]
  let d = state[3]
  let e = state[4]
  for (let i = 0; i < 80; i++) {
    let f: number
    let k: number
    if (i < 20) {
      f = (b & c) | (~b & d)
      k = 0x5a827999
    } else if (i < 40) {
      f = b ^ c ^ d
      k = 0x6ed9eba1
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d)
      k = 0x8f1bbcdc | 0
    } else {
      f = b ^ c ^ d
      k = 0xca62c1d6 | 0
    }
    const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) | 0
    e = d
    d = c
    c = (b << 30) | (b >>> 2)
    b = a
    a = t
  }
  state[0] = (state[0] + a) | 0
  state[1] = (state[1] + b) | 0
  state[2] = (state[2] + c) | 0
  state[3] = (state[3] + d) | 0
  state[4] = (state[4] + e) | 0
}
