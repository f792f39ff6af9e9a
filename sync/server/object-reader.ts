/** Raw reads of the served store's objects, synchronous where the backend can (no promise per object). */
import { type Backend, unframeObject, type ObjectType } from '../../core/index.js'
import { commitLinks, type CommitLinks } from '../commit-links.js'
import { Dir } from '../../core/dir.js'

export class ObjectReader {
  constructor(private readonly backend: Backend) {}

  async raw(ids: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    if (ids.length === 0) return []
    return this.backend.getObjectsSync ? this.backend.getObjectsSync(ids) : this.backend.getObjects(ids)
  }

  async one(id: string): Promise<Uint8Array | undefined> {
    return (await this.raw([id]))[0]
  }

  static type(id: string, framed: Uint8Array): { type: ObjectType; body: Uint8Array } {
    return unframeObject(id, framed)
  }

  static links(id: string, framed: Uint8Array): CommitLinks {
    return commitLinks(id, unframeObject(id, framed).body)
  }

  /** A tree's entries as a flat `Dir` (checked in shape; compared with another by bytes). */
  static dir(id: string, framed: Uint8Array): Dir {
    return Dir.parse(id, unframeObject(id, framed).body)
  }
}
