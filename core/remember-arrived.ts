/**
 * Objects that arrive in a sync stream (a fetch on the client, a push on the server) are read
 * again at once: the server's closure check and fast-forward test walk the pushed commits and
 * trees, the client's merge walks the fetched history down to the common ancestor. Their parse
 * goes into the object cache once they are stored, so those walks need no trip to the backend (in
 * a browser, one IndexedDB transaction per commit) and no second hash and parse.
 *
 * Only for bytes the caller has hash-checked against their id (the frame decoder does). `stored`
 * is called once the write holding them is in the backend (readable there), never before: the
 * cache then answers reads as the backend would. Commits and trees only — what walks read; blobs
 * would crowd them out.
 */
import { COMMIT } from './commit.js'
import { DIR } from './dir.js'
import { CorruptObjectError } from './errors.js'
import type { ObjectStore } from './object-store.js'
import { unframeObject } from './objects/frame.js'

const COMMIT_OR_TREE = new Set([0x63, 0x74]) // "c", "t" (a tag starts with "t" too: told apart when parsed)

export class ArrivedObjects {
  private pending: Array<[id: string, framed: Uint8Array]> = []

  constructor(private readonly objects: ObjectStore) {}

  /** An object handed to the writer, its bytes checked against `id`. */
  add(id: string, framed: Uint8Array): void {
    if (COMMIT_OR_TREE.has(framed[0])) this.pending.push([id, framed])
  }

  /** The writer's batches so far are in the backend: cache what they held. */
  stored(): void {
    this.cut()()
  }

  /**
   * For a writer that flushes while more arrives: what was added until now, to cache (by calling
   * the function returned) once the flush that holds it has landed.
   */
  cut(): () => void {
    const batch = this.pending
    this.pending = []
    return () => {
      for (const [id, framed] of batch) remember(this.objects, id, framed)
    }
  }
}

function remember(objects: ObjectStore, id: string, framed: Uint8Array): void {
  if (objects.peek(id, COMMIT) !== undefined || objects.peek(id, DIR) !== undefined) return
  // Its own buffer: a frame is a view into a stream chunk, which the cache must not keep alive.
  const own = framed.byteOffset === 0 && framed.byteLength === framed.buffer.byteLength ? framed : framed.slice()
  try {
    const { type, body } = unframeObject(id, own)
    if (type === 'commit') objects.remember(id, COMMIT.parse(id, body), COMMIT)
    else if (type === 'tree') objects.remember(id, DIR.parse(id, body), DIR)
  } catch (error) {
    // Malformed: not cached; a later read reports it as any read of the backend would.
    if (!(error instanceof CorruptObjectError)) throw error
  }
}
