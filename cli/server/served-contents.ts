/**
 * How the served store merges what a push asks it to merge (a sync push in `merge` mode): by the
 * contents types recorded in the store (store/contents-types.ts), as `irmin merge` does — a
 * comment thread recorded as `log` takes both sides' entries — and as bytes everywhere else (two
 * different changes to one value conflict, and the push is refused with ECONFLICT). The record is
 * read again when its ref moves here, and checked every few seconds for writers in other
 * processes, so a type recorded while the server runs applies to the next push.
 */
import type { Contents as Codec, Repo } from '../../index.js'
import { mergingContents } from '../merge-rule.js'
import { CONTENTS_TYPES_REF, type ContentsTypes, readContentsTypes } from '../store/contents-types.js'

const RECHECK_MS = 2_000

export interface ServedContents {
  /** The codec to open the served repo with: bytes, merged by the recorded types. */
  readonly contents: Codec<Uint8Array>
  /** Reads the record now and follows it until the returned function is called. */
  follow(repo: Repo<Uint8Array>): Promise<() => void>
}

export function servedContents(): ServedContents {
  let types: ContentsTypes = {}
  let seen: string | undefined
  return {
    contents: mergingContents('bytes', path => types[path[0]] ?? 'bytes'),
    async follow(repo) {
      const reload = async () => {
        const id = await repo.backend.getRef(CONTENTS_TYPES_REF)
        if (id === seen) return
        types = await readContentsTypes(repo)
        seen = id
      }
      const quietly = () => void reload().catch(() => {})
      await reload()
      const unwatch = repo.backend.watchRefs?.(name => name === CONTENTS_TYPES_REF && quietly())
      const timer = setInterval(quietly, RECHECK_MS).unref()
      return () => {
        unwatch?.()
        clearInterval(timer)
      }
    },
  }
}
