/**
 * SHA-1 of short inputs. Node's one-shot `crypto.hash` (20.12 on) costs about half of a
 * `createHash` object, which the export pays per CREATE (journal checksums); older Nodes get the
 * `createHash` path. File ids hash a short text per child listed (10,000 for a directory of
 * 10,000 entries), where even the one-shot call's crossing into C++ costs more than the hash:
 * `sha1Head64` hashes a short ASCII text in JavaScript instead (one 64-byte block).
 */
import { createHash } from 'node:crypto'
import * as crypto from 'node:crypto'

type OneShot = (algorithm: string, data: string | Uint8Array, encoding: 'buffer') => Buffer
const oneShot = (crypto as unknown as { hash?: OneShot }).hash

export function sha1(data: string | Uint8Array): Buffer {
  return oneShot ? oneShot('sha1', data, 'buffer') : createHash('sha1').update(data).digest()
}

const ROUND_CONSTANTS = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc | 0, 0xca62c1d6 | 0]

/** The message schedule of `sha1Head64`, reused. */
const w = new Int32Array(80)

/** The first 8 bytes of SHA-1(text), big-endian, as an unsigned 64-bit integer. */
export function sha1Head64(text: string): bigint {
  // One block holds 55 bytes of message (then 0x80 and the 8-byte length).
  if (text.length > 55) return sha1(text).readBigUInt64BE(0)
  w.fill(0, 0, 16)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x80) return sha1(text).readBigUInt64BE(0)
    w[i >> 2] |= c << (24 - (i & 3) * 8)
  }
  w[text.length >> 2] |= 0x80 << (24 - (text.length & 3) * 8)
  w[15] = text.length * 8
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]
    w[t] = (x << 1) | (x >>> 31)
  }
  let a = 0x67452301
  let b = 0xefcdab89 | 0
  let c = 0x98badcfe | 0
  let d = 0x10325476
  let e = 0xc3d2e1f0 | 0
  for (let t = 0; t < 80; t++) {
    const stage = (t / 20) | 0
    const f = stage === 0 ? (b & c) | (~b & d) : stage === 2 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d
    const next = (((a << 5) | (a >>> 27)) + f + ROUND_CONSTANTS[stage]! + e + w[t]!) | 0
    e = d
    d = c
    c = (b << 30) | (b >>> 2)
    b = a
    a = next
  }
  const h0 = (0x67452301 + a) >>> 0
  const h1 = (0xefcdab89 + b) >>> 0
  return (BigInt(h0) << 32n) | BigInt(h1)
}
