/**
 * SHA-1 of short inputs. Node's one-shot `crypto.hash` (20.12 on) costs about half of a
 * `createHash` object, which the export pays per CREATE (journal checksums); older Nodes get the
 * `createHash` path. File ids hash a short text per child listed (10,000 for a directory of
 * 10,000 entries), where even the one-shot call's crossing into C++ costs more than the hash:
 * `sha1Head64` hashes a short ASCII text in JavaScript instead (one 64-byte block).
 */
import { createHash } from 'node:crypto'
import * as crypto from 'node:crypto'
import { SHA1_INITIAL, sha1Compress } from '../core/hash.js'

type OneShot = (algorithm: string, data: string | Uint8Array, encoding: 'buffer') => Buffer
const oneShot = (crypto as unknown as { hash?: OneShot }).hash

export function sha1(data: string | Uint8Array): Buffer {
  return oneShot ? oneShot('sha1', data, 'buffer') : createHash('sha1').update(data).digest()
}

/** The message block and state of `sha1Head64`, reused. */
const w = new Int32Array(80)
const state = new Int32Array(5)

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
  state.set(SHA1_INITIAL)
  sha1Compress(state, w)
  return (BigInt(state[0]! >>> 0) << 32n) | BigInt(state[1]! >>> 0)
}
