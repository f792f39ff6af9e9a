/**
 * The core: object model, lazy trees, commits, history, the `Repo`/`Store` API.
 * Imports nothing outside `core/` (and no `node:` module), so it bundles for the browser.
 */
export { Repo, DEFAULT_AUTHOR, type RepoOptions } from './repo.js'
export { Store, type WriteOptions, type MergeOptions, type MergeOutcome } from './store.js'
export * as Merge from './merge/combinators.js'
export { type Merge as MergeFunction, type MergeResult } from './merge/combinators.js'
export { mergeTrees, type Conflict, type ConflictKind, type ConflictResolution, type TreeMergeOptions } from './merge/tree-merge.js'
export type { Timestamped, LogEntry } from './contents-mergeable.js'
export type { GcOptions, GcReport, GcProgress } from './gc.js'
export type { FsckOptions, FsckReport, Damage, DamageKind } from './fsck.js'
export { SHALLOW_REF, readShallow, writeShallow } from './shallow.js'
export { Batch } from './batch.js'
export { Transaction } from './transaction.js'
export { Tree, type Change, type NodeKind, type TreeOp, compareNames, comparePaths } from './tree.js'
export { Contents, type Json } from './contents.js'
export type { CommitInfo, CommitOptions } from './commit.js'
export type { HistoryOptions } from './history.js'
export { lineDiff, applyHunks, splitLines, isBinary, countChanges, type LineHunk, type DiffLine, type LineDiffOptions } from './line-diff.js'
export { topologicalOrder, type TopoNode } from './topo-order.js'
export type { WatchEvent } from './watch.js'
export type { Backend, ObjectEntry, ObjectSpool, RefListener } from './backend.js'
export { RefListeners } from './backend.js'
export { coordinatorOf } from './gc-coordinator.js'
export { type Hasher, sha1, pureSha1Hasher, getDefaultHasher, setDefaultHasher } from './hash.js'
export { toHex, fromHex, isObjectId } from './hex.js'
export { type Path, validatePath, parsePath, formatPath } from './path.js'
export { validateBranchName, branchRef, checkRefName, BRANCH_PREFIX } from './ref-name.js'
export { frameObject, unframeObject, type ObjectType } from './objects/frame.js'
export {
  parseTree,
  serializeTreeEntries,
  compareEntryNames,
  type GitTreeEntry,
  FILE_MODE,
  EXECUTABLE_MODE,
  SYMLINK_MODE,
  TREE_MODE,
  GITLINK_MODE,
} from './objects/git-tree.js'
export { parseCommit, serializeCommit, type GitCommit, type Signature } from './objects/git-commit.js'
export * from './errors.js'
