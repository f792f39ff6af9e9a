/**
 * Nodes as git objects, the same bytes the store's own write path makes for the tree
 * `a/b/{.p,.v,<children>}`: so that a commit costs hashing only what a change made new (the
 * nodes on its path and their value and perms blobs), never the whole tree. Ids are kept on the
 * nodes (immutable, so an id never goes stale); blob ids by the bytes object they hash, which a
 * node's copies share.
 */
import { writeHex } from '../core/hex.js'
import { headerLength, writeHeader, frameObject } from '../core/objects/frame.js'
import { compareEntryNames } from '../core/objects/git-tree.js'
import { PERMS, VALUE } from './nodes.js'
import type { XNode } from './node-tree.js'

type Emit = (id: string, framed: Uint8Array) => void

interface Blob {
  readonly id: string
  readonly framed: Uint8Array
}

const FILE = [0x31, 0x30, 0x30, 0x36, 0x34, 0x34, 0x20] // "100644 "
const TREE = [0x34, 0x30, 0x30, 0x30, 0x30, 0x20] // "40000 "

export class NodeObjects {
  private readonly blobs = new WeakMap<Uint8Array, Blob>()

  constructor(private readonly hash: (framed: Uint8Array) => string) {}

  /** The node's tree id (computing those of new nodes below it; nothing is written). */
  treeId(node: XNode): string {
    return node.id ?? this.build(node, undefined)
  }

  /**
   * The node's tree id; `emit` receives the objects of every node of the subtree not yet in the
   * store (tree, value blob, perms blob), which then counts as stored. Stored nodes are
   * reachable from the commit that stored them, so their subtrees are not visited. `before`:
   * the node at the same place in the tree of the commit before, stored; a blob it has too is
   * reachable from that commit, so it is not written again.
   */
  store(node: XNode, emit: Emit, before?: XNode): string {
    if (node.stored) return node.id!
    return this.build(node, emit, before)
  }

  private build(node: XNode, emit: Emit | undefined, before?: XNode): string {
    const { names, kids } = node
    const childIds: string[] = []
    for (let i = 0; i < names.length; i++) {
      const child = kids[i]!
      childIds.push(emit ? this.store(child, emit, before?.child(names[i]!)) : this.treeId(child))
    }
    const value = this.blob(node.value)
    const perms = this.blob(node.perms)
    if (node.id === undefined) {
      const framed = serializeNode(names, childIds, value.id, perms.id)
      node.id = this.hash(framed)
      if (emit) emit(node.id, framed)
    } else if (emit) emit(node.id, serializeNode(names, childIds, value.id, perms.id))
    if (emit) {
      if (before?.stored !== true || before.value !== node.value) emit(value.id, value.framed)
      if (before?.stored !== true || before.perms !== node.perms) emit(perms.id, perms.framed)
      node.stored = true
    }
    return node.id
  }

  private blob(bytes: Uint8Array): Blob {
    let blob = this.blobs.get(bytes)
    if (blob === undefined) {
      const framed = frameObject('blob', bytes)
      blob = { id: this.hash(framed), framed }
      this.blobs.set(bytes, blob)
    }
    return blob
  }
}

/** The tree object of a node: `.p`, `.v` and the children in git's order. */
function serializeNode(names: readonly string[], childIds: readonly string[], valueId: string, permsId: string): Uint8Array {
  // `.p` and `.v` are 2 chars; names are ASCII (paths.ts allows [A-Za-z0-9_@-] only).
  let body = 2 * (FILE.length + 2 + 1 + 20)
  for (const name of names) body += TREE.length + name.length + 1 + 20
  const out = new Uint8Array(headerLength('tree', body) + body)
  let p = writeHeader('tree', body, out)
  const file = (name: string, id: string) => {
    for (const b of FILE) out[p++] = b
    out[p++] = name.charCodeAt(0)
    out[p++] = name.charCodeAt(1)
    out[p++] = 0
    writeHex(id, out, p)
    p += 20
  }
  // Children before `.p` are those whose names sort before it (starting with `-`).
  let dotted = false
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!
    if (!dotted && compareEntryNames(PERMS, false, name, true) < 0) {
      file(PERMS, permsId)
      file(VALUE, valueId)
      dotted = true
    }
    for (const b of TREE) out[p++] = b
    for (let k = 0; k < name.length; k++) out[p++] = name.charCodeAt(k)
    out[p++] = 0
    writeHex(childIds[i]!, out, p)
    p += 20
  }
  if (!dotted) {
    file(PERMS, permsId)
    file(VALUE, valueId)
  }
  return out
}
