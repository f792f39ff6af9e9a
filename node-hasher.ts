/**
 * SHA-1 from `node:crypto`, several times the pure-JS speed. Node-only; the browser entry never
 * imports it. `crypto.hash` (Node ≥ 20.12) hashes in one call without a Hash object and returns
 * a flat hex string: ~0.4 µs for a small object against ~1.4 µs through `createHash`.
 */
import crypto from 'node:crypto'
import type { Hasher } from './core/hash.js'

const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array) => string }).hash

export const nodeHasher: Hasher = {
  sha1Hex: oneShot ? data => oneShot('sha1', data) : data => crypto.createHash('sha1').update(data).digest('hex'),
}
