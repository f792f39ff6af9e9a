/**
 * The contents codec `merge` and `revert` open the store with: bytes, like every other command
 * (conflicts then carry the stored bytes, shown as `get` shows them), merged by the rule of the
 * `--contents` codec: counters add up, JSON objects merge key by key, sets, multisets and logs
 * keep both sides' changes, lww registers keep the later write. A bytes merge would conflict on
 * all of these. Opening the store with the codec itself would instead fail the whole merge on
 * one stored value it cannot read; here two different changes to such a value are a conflict,
 * as they are for bytes.
 *
 * Text (`string` contents) merges line by line, as git merges a file: both sides' changes to
 * different lines combine, and only changes to the same lines conflict.
 */
import { mergeLines, withMarkers } from '../core/line-merge.js'
import { Contents, type Contents as Codec, InvalidValueError, Merge } from '../index.js'
import { codecOf, type Value } from './codecs.js'
import type { ContentsName } from './command.js'

export function mergingContents(name: ContentsName, types?: TypesAt): Codec<Uint8Array> {
  const byName = new Map<ContentsName, Codec<Uint8Array>['merge']>()
  const ruleOf = (kind: ContentsName) => byName.get(kind) ?? byName.set(kind, ruleFor(kind)).get(kind)!
  const codec = codecOf(name)
  return {
    ...Contents.bytes,
    name: codec.name,
    idempotent: codec.idempotent,
    // A value under a top-level name with a recorded type merges by that type's rule.
    merge: (base, ours, theirs, path) => ruleOf(path && types ? types(path) : name)!(base, ours, theirs),
  }
}

/** The contents type of the value at a path (store/contents-types.ts). */
export type TypesAt = (path: readonly string[]) => ContentsName

function ruleFor(name: ContentsName): NonNullable<Codec<Uint8Array>['merge']> {
  const codec = codecOf(name)
  const rule = codec.merge ?? Merge.defaultMerge<Value>()
  const asBytes = Merge.defaultMerge<Uint8Array>()
  return (base, ours, theirs) => {
    let values: [Value | undefined, Value, Value]
    try {
      values = [base && codec.decode(base), codec.decode(ours), codec.decode(theirs)]
    } catch (error) {
      if (!(error instanceof InvalidValueError)) throw error
      const merged = asBytes(base, ours, theirs)
      return Merge.isOk(merged) ? merged : Merge.conflict(`${merged.conflict} (not ${name} contents: ${error.message.replace(/^invalid value: /, '')})`)
    }
    const merged = rule(...values)
    if (Merge.isOk(merged)) return Merge.ok(codec.encode(merged.ok))
    if (name === 'string') {
      const lines = mergeLines((values[0] as string | undefined) ?? '', values[1] as string, values[2] as string)
      if (lines.clean) return Merge.ok(codec.encode(withMarkers(lines, { ours: '', base: '', theirs: '' })))
      return Merge.conflict('both sides changed the same lines')
    }
    return Merge.conflict(merged.conflict)
  }
}
