/**
 * File handles and file ids that survive restarts and renames without a table of every file.
 *
 * A node's id (its NFS `fileid`, and the heart of its handle) is derived from where it was
 * born: the root's is fixed, a child's is the first 8 bytes of SHA-1(parent id ‖ name). So the
 * same tree gives the same ids in every server process, with nothing stored. A RENAME keeps the
 * moved node's id (and so, its descendants' ids, which derive from it) by recording one override
 * "(new parent, new name) → id"; the overrides are the only state, saved by the caller
 * (`serialize`) in the store. A node born where a renamed node's id came from gets the next free
 * derivation instead, deterministically, so the ids stay the same after a restart.
 *
 * Handle bytes (16): "IRNF", the export's 4-byte tag (handles of another export are STALE), the
 * 8-byte id. Anything else is BADHANDLE. Finding the node of an id takes the in-memory index of
 * ids seen so far, or else a walk of the tree (see `WorkingTree.locate`).
 */
import { sha1, sha1Head64 } from './sha1.js'
import type { XdrWriter } from './xdr.js'

export const ROOT_ID = 1n
const MAGIC = [0x49, 0x52, 0x4e, 0x46] // "IRNF"
export const HANDLE_SIZE = 16

export type Decoded = { kind: 'ok'; id: bigint } | { kind: 'bad' } | { kind: 'stale' }

interface Place {
  parent: bigint
  name: string
}

export class Handles {
  /** "parent:name" → id, for renamed nodes. */
  private readonly overrides = new Map<string, bigint>()
  /** id → "parent:name" of the overrides: an id held by a renamed node is not free. */
  private readonly claimed = new Map<bigint, string>()
  /** Where each id seen so far lives. */
  private readonly places = new Map<bigint, Place>()

  /** The first 8 bytes of every handle: magic and tag. */
  private readonly prefix: Uint8Array

  constructor(readonly tag: Uint8Array) {
    this.prefix = new Uint8Array([...MAGIC, ...tag])
  }

  static tagOf(exportName: string): Uint8Array {
    return sha1(exportName).subarray(0, 4)
  }

  encode(id: bigint): Uint8Array {
    const out = new Uint8Array(HANDLE_SIZE)
    out.set(MAGIC, 0)
    out.set(this.tag, 4)
    new DataView(out.buffer).setBigUint64(8, id)
    return out
  }

  /** Writes the handle of `id` as XDR opaque data (its length, then the 16 bytes), allocating nothing. */
  writeTo(w: XdrWriter, id: bigint): void {
    w.u32(HANDLE_SIZE).fixed(this.prefix).u64(id)
  }

  decode(handle: Uint8Array): Decoded {
    if (handle.length !== HANDLE_SIZE || MAGIC.some((b, i) => handle[i] !== b)) return { kind: 'bad' }
    for (let i = 0; i < 4; i++) if (handle[4 + i] !== this.tag[i]) return { kind: 'stale' }
    return { kind: 'ok', id: new DataView(handle.buffer, handle.byteOffset).getBigUint64(8) }
  }

  /** The id of `name` in the directory `parent`, noted in the index. */
  childId(parent: bigint, name: string): bigint {
    // No renames yet (the usual case): no key to build for the tables.
    const key = this.overrides.size === 0 && this.claimed.size === 0 ? undefined : `${parent}:${name}`
    let id = key === undefined ? undefined : this.overrides.get(key)
    if (id === undefined) {
      id = derive(parent, name)
      for (let k = 1; key !== undefined && this.claimed.has(id) && this.claimed.get(id) !== key; k++) id = derive(parent, `${name}\0${k}`)
    }
    this.places.set(id, { parent, name })
    return id
  }

  /** The path of a known id (undefined: not in the index, or its chain is broken). */
  pathOf(id: bigint): string[] | undefined {
    const path: string[] = []
    for (let at = id, guard = 0; at !== ROOT_ID; guard++) {
      const place = this.places.get(at)
      if (place === undefined || guard > 4096) return undefined
      path.push(place.name)
      at = place.parent
    }
    return path.reverse()
  }

  /** `id` now lives at (parent, name); returns whether the override table changed. */
  moved(id: bigint, parent: bigint, name: string): boolean {
    const key = `${parent}:${name}`
    const old = this.claimed.get(id)
    this.places.set(id, { parent, name })
    if (old === key) return false
    if (old !== undefined) this.overrides.delete(old)
    this.claimed.delete(id)
    // Whatever held the target name is replaced: its override goes.
    const displaced = this.overrides.get(key)
    if (displaced !== undefined) {
      this.overrides.delete(key)
      this.claimed.delete(displaced)
    }
    // Back where it was born: its derived id needs no override.
    if (derive(parent, name) === id) return true
    this.overrides.set(key, id)
    this.claimed.set(id, key)
    return true
  }

  /** Forgets the index entry of a removed node (its override stays: the id is never reused elsewhere). */
  forget(id: bigint): void {
    this.places.delete(id)
  }

  serialize(): string {
    return JSON.stringify([...this.overrides].map(([key, id]) => [key, id.toString(16)]))
  }

  load(text: string): void {
    const rows = JSON.parse(text) as Array<[string, string]>
    for (const [key, hex] of rows) {
      const id = BigInt(`0x${hex}`)
      this.overrides.set(key, id)
      this.claimed.set(id, key)
    }
  }
}

/** The hex of the last parent derived from: a listing derives its entries' ids one after another. */
let lastParent = ROOT_ID
let lastParentHex = ROOT_ID.toString(16)

function derive(parent: bigint, name: string): bigint {
  if (parent !== lastParent) {
    lastParent = parent
    lastParentHex = parent.toString(16)
  }
  const id = sha1Head64(`${lastParentHex}/${name}`)
  return id <= ROOT_ID ? id + 2n : id
}
