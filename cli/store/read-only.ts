/**
 * `irmin serve --read-only` on a LevelDB or git store: reads pass through, every write is refused
 * with `ReadOnlyError`. (A PostgreSQL store refuses writes itself, naming the primary on a replica.)
 */
import type { Backend, ObjectEntry } from '../../core/backend.js'
import { ReadOnlyError } from '../../index.js'

export class ReadOnlyBackend implements Backend {
  readonly watchRefs?: Backend['watchRefs']

  constructor(
    private readonly inner: Backend,
    private readonly root: string,
  ) {
    this.watchRefs = inner.watchRefs?.bind(inner)
  }

  private refuse(): Promise<never> {
    return Promise.reject(new ReadOnlyError(`store ${this.root} is served with --read-only`))
  }

  getObjects(ids: readonly string[]) {
    return this.inner.getObjects(ids)
  }
  hasObjects(ids: readonly string[]) {
    return this.inner.hasObjects(ids)
  }
  objectIds() {
    return this.inner.objectIds()
  }
  getRef(name: string) {
    return this.inner.getRef(name)
  }
  listRefs(prefix?: string) {
    return this.inner.listRefs(prefix)
  }
  putObjects(_objects: readonly ObjectEntry[]): Promise<void> {
    return this.refuse()
  }
  deleteObjects(_ids: readonly string[]): Promise<void> {
    return this.refuse()
  }
  casRef(_name: string, _expected: string | undefined, _next: string | undefined): Promise<boolean> {
    return this.refuse()
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}
