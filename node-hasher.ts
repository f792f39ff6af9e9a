/** SHA-1 from `node:crypto`: several times the pure-JS speed. Node-only; the browser entry never imports it. */
import { createHash } from 'node:crypto'
import type { Hasher } from './core/hash.js'

export const nodeHasher: Hasher = {
  sha1: data => createHash('sha1').update(data).digest(),
}
