/**
 * Three-way merge of trees, path by path.
 *
 * A directory is only entered when all three sides differ: where ours and theirs agree, or one
 * of them equals the ancestor, the answer is known from the entry ids alone. Inside a directory
 * only the names that changed on either side are looked at (found by comparing the raw sorted
 * bodies), so merging two branches that each changed 1,000 keys of a 1,000,000-key tree touches
 * the changed paths and nothing else. Files changed on both sides merge with the contents
 * codec's merge; a file against a directory, or a deletion against a modification, is a conflict
 * unless the options say otherwise. Conflicts come back as a structured list.
 */
import type { Contents } from '../contents.js'
import { Dir, Entry, loadDir } from '../dir.js'
import { MergeConflictError } from '../errors.js'
import type { ObjectStore } from '../object-store.js'
import { frameObject } from '../objects/frame.js'
import type { Path } from '../path.js'
import { comparePaths, Tree } from '../tree.js'
import { defaultMerge, isOk, type Merge } from './combinators.js'

export type ConflictKind = 'content' | 'delete-modify' | 'file-directory' | 'mode'

export interface Conflict<T> {
  readonly path: Path
  readonly kind: ConflictKind
  readonly reason: string
  /** The three versions (absent where that side has no value there). */
  readonly base?: T
  readonly ours?: T
  readonly theirs?: T
}

/**
 * How conflicts are settled: left as errors (default), or resolved as asked. `'base'` puts the
 * ancestor's version back (what recursive merges use for the virtual ancestor).
 */
export type ConflictResolution = 'fail' | 'ours' | 'theirs' | 'keep-both' | 'base'

export interface TreeMergeOptions {
  /** Default `'fail'`: the merge throws `MergeConflictError` listing every conflict. */
  conflicts?: ConflictResolution
  /** A deletion against a modification: a conflict (default), or let one of them win. */
  deleteModify?: 'conflict' | 'delete' | 'modify'
}

export interface TreeMergeResult<T> {
  tree: Tree<T>
  /** Conflicts found; when a resolution other than 'fail' was asked, they were resolved. */
  conflicts: Conflict<T>[]
}

interface Context<T> {
  objects: ObjectStore
  contents: Contents<T>
  merge: Merge<T>
  options: TreeMergeOptions
  conflicts: Conflict<T>[]
  values: Tree<T>
  /** Equal sides may be taken as they are (see `Contents.idempotent`). */
  idempotent: boolean
}

const same = (a: Entry | undefined, b: Entry | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.mode === b.mode && a.id !== undefined && a.id === b.id)

/** Merges `theirs` into `ours` against the common ancestor `base`. */
export async function mergeTrees<T>(base: Tree<T>, ours: Tree<T>, theirs: Tree<T>, options: TreeMergeOptions = {}): Promise<TreeMergeResult<T>> {
  const objects = ours.objects
  const contents = ours.contents
  const [b, o, t] = await Promise.all([base.root(), ours.root(), theirs.root()])
  for (const dir of [b, o, t]) dir.seal(objects)
  const context: Context<T> = {
    objects,
    contents,
    merge: contents.merge ?? defaultMerge<T>(),
    options,
    conflicts: [],
    values: ours,
    idempotent: contents.idempotent !== false,
  }
  const merged = await mergeDirs(context, [], b, o, t)
  context.conflicts.sort((x, y) => comparePaths(x.path, y.path))
  if (context.conflicts.length > 0 && (options.conflicts ?? 'fail') === 'fail') throw new MergeConflictError(context.conflicts)
  // The merged tree names objects of all three: it is as old as the oldest (see `Tree.generation`).
  const generation = Math.min(base.generation, ours.generation, theirs.generation)
  return { tree: merged === o ? ours : new Tree(objects, contents, merged, undefined, generation), conflicts: context.conflicts }
}

async function mergeDirs<T>(ctx: Context<T>, path: string[], b: Dir, o: Dir, t: Dir): Promise<Dir> {
  if (sameDir(b, t) || (ctx.idempotent && sameDir(o, t))) return o
  if (sameDir(b, o)) return t
  const names = b.changedNames(o)
  for (const name of b.changedNames(t)) names.add(name)
  const changes = new Map<string, Entry | null>()
  const at = { path, ours: o, changes }
  await Promise.all([...names].map(name => mergeEntry(ctx, at, name, b.get(name), o.get(name), t.get(name))))
  return changes.size === 0 ? o : Dir.derive(o, changes)
}

const sameDir = (a: Dir, b: Dir) => a === b || (a.id !== undefined && a.id === b.id)

/** The directory being merged: its path, ours, and the changes to make to ours. */
interface At {
  path: string[]
  ours: Dir
  changes: Map<string, Entry | null>
}

async function mergeEntry<T>(ctx: Context<T>, at: At, name: string, eb: Entry | undefined, eo: Entry | undefined, et: Entry | undefined): Promise<void> {
  if (same(eb, et) || (same(eo, et) && (ctx.idempotent || eo === undefined || eo.isGitlink))) return
  if (same(eb, eo)) return void at.changes.set(name, et ?? null)
  const path = [...at.path, name]
  if (eo?.isTree && et?.isTree) {
    const [db, dO, dt] = await Promise.all([eb?.isTree ? loadDir(ctx.objects, eb) : Dir.empty(), loadDir(ctx.objects, eo), loadDir(ctx.objects, et)])
    for (const dir of [db, dO, dt]) dir.seal(ctx.objects)
    const merged = await mergeDirs(ctx, path, db, dO, dt)
    if (merged !== dO) at.changes.set(name, merged.size === 0 ? null : Entry.tree(name, merged, eo))
    return
  }
  if ((eo === undefined || et === undefined) && eb?.isTree && (eo ?? et)!.isTree) {
    // A directory deleted on one side and changed on the other: merge inside it against an empty
    // directory, so that deletions and conflicts are judged file by file, as git reports them.
    const [db, dp] = await Promise.all([loadDir(ctx.objects, eb), loadDir(ctx.objects, (eo ?? et)!)])
    for (const dir of [db, dp]) dir.seal(ctx.objects)
    const merged = eo === undefined ? await mergeDirs(ctx, path, db, Dir.empty(), dp) : await mergeDirs(ctx, path, db, dp, Dir.empty())
    if (eo !== undefined && merged === dp) return
    at.changes.set(name, merged.size === 0 ? null : Entry.tree(name, merged, eo))
    return
  }
  if (eo === undefined || et === undefined) {
    const policy = ctx.options.deleteModify ?? 'conflict'
    if (policy === 'delete') return void at.changes.set(name, null)
    if (policy === 'modify') return void (eo === undefined && at.changes.set(name, et!))
    const reason = `${eo === undefined ? 'deleted by ours' : 'deleted by theirs'}, changed by the other side`
    return resolve(ctx, at, name, { kind: 'delete-modify', reason }, eb, eo, et)
  }
  if (eo.isTree || et.isTree) return resolve(ctx, at, name, { kind: 'file-directory', reason: 'a file on one side, a directory on the other' }, eb, eo, et)
  return mergeFiles(ctx, at, name, eb?.isTree ? undefined : eb, eo, et)
}

async function mergeFiles<T>(ctx: Context<T>, at: At, name: string, eb: Entry | undefined, eo: Entry, et: Entry): Promise<void> {
  // Modes merge like values: one side's change wins, two different changes conflict.
  let mode = eo.mode
  if (eo.mode !== et.mode) {
    if (eb?.mode === eo.mode) mode = et.mode
    else if (eb?.mode !== et.mode) return resolve(ctx, at, name, { kind: 'mode', reason: `mode ${eo.mode} against ${et.mode}` }, eb, eo, et)
  }
  if (eo.id === et.id && ctx.idempotent) return void at.changes.set(name, Entry.file(name, eo.id!, undefined, mode))
  const [vb, vo, vt] = await Promise.all([eb && ctx.values.valueOf(eb), ctx.values.valueOf(eo), ctx.values.valueOf(et)])
  const result = ctx.merge(vb, vo, vt, [...at.path, name])
  if (!isOk(result)) return resolve(ctx, at, name, { kind: 'content', reason: result.conflict }, eb, eo, et, [vb, vo, vt])
  const blob = frameObject('blob', ctx.contents.encode(result.ok))
  at.changes.set(name, Entry.file(name, ctx.objects.hash(blob), blob, mode))
}

/** Records a conflict, then settles it as the options say (ours stays when failing anyway). */
async function resolve<T>(
  ctx: Context<T>,
  at: At,
  name: string,
  what: { kind: ConflictKind; reason: string },
  eb: Entry | undefined,
  eo: Entry | undefined,
  et: Entry | undefined,
  known?: Array<T | undefined>,
): Promise<void> {
  const valueOf = async (e: Entry | undefined) => (e && !e.isTree && !e.isGitlink ? ctx.values.valueOf(e) : undefined)
  const [base, ours, theirs] = known ?? (await Promise.all([valueOf(eb), valueOf(eo), valueOf(et)]))
  ctx.conflicts.push({
    path: [...at.path, name],
    kind: what.kind,
    reason: what.reason,
    ...(base !== undefined ? { base } : {}),
    ...(ours !== undefined ? { ours } : {}),
    ...(theirs !== undefined ? { theirs } : {}),
  })
  switch (ctx.options.conflicts ?? 'fail') {
    case 'fail':
    case 'ours':
      return
    case 'theirs':
      return void at.changes.set(name, et ?? null)
    case 'base':
      return void at.changes.set(name, eb ?? null)
    case 'keep-both':
      return keepBoth(at, name, eo, et)
  }
}

/**
 * Both versions survive: the modified side of a deletion; otherwise ours at the path and theirs
 * beside it as `<name>~theirs` (in a file/directory clash the directory keeps the path and the
 * file moves beside it). A taken name gets a number: `<name>~theirs2`, …
 */
function keepBoth(at: At, name: string, eo: Entry | undefined, et: Entry | undefined): void {
  if (eo === undefined) return void at.changes.set(name, et ?? null)
  if (et === undefined) return
  const theirsAtPath = et.isTree && !eo.isTree
  const beside = theirsAtPath ? eo : et
  let besideName = `${name}~${theirsAtPath ? 'ours' : 'theirs'}`
  for (let n = 2; at.ours.get(besideName) !== undefined || at.changes.has(besideName); n++) besideName = `${name}~${theirsAtPath ? 'ours' : 'theirs'}${n}`
  if (theirsAtPath) at.changes.set(name, et)
  at.changes.set(besideName, beside.renamed(besideName))
}
