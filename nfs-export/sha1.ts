/**
 * SHA-1 of a short input in one call. Node's one-shot `crypto.hash` (20.12 on) costs about half
 * of a `createHash` object, which the export pays per child named (handles) and per CREATE
 * (journal checksums); older Nodes get the `createHash` path.
 */
import { createHash } from 'node:crypto'
import * as crypto from 'node:crypto'

type OneShot = (algorithm: string, data: string | Uint8Array, encoding: 'buffer') => Buffer
const oneShot = (crypto as unknown as { hash?: OneShot }).hash

export function sha1(data: string | Uint8Array): Buffer {
  return oneShot ? oneShot('sha1', data, 'buffer') : createHash('sha1').update(data).digest()
}
