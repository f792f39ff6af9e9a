/** What a `Store` needs from its `Repo` (an interface, so the two files do not import each other). */
import type { Backend } from './backend.js'
import type { CommitDefaults } from './commit.js'
import type { Contents } from './contents.js'
import type { ObjectStore } from './object-store.js'
import type { Tree } from './tree.js'
import type { Watches } from './watch.js'

export interface RepoContext<T> {
  readonly backend: Backend
  readonly objects: ObjectStore
  readonly contents: Contents<T>
  readonly commitDefaults: CommitDefaults
  readonly maxAttempts: number
  readonly watches: Watches<T>
  treeOf(id: string): Tree<T>
  emptyTree(): Tree<T>
  /** Called after this repo moved a ref, for watchers when the backend cannot tell them. */
  refMoved(ref: string, id: string | undefined): void
}
