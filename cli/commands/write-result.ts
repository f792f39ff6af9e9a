/** What `set`, `remove` and `import` print: the new head, or that nothing changed. */
import type { Output } from '../output.js'

export function writeResult(out: Output, moved: { before: string | undefined; after: string | undefined }): void {
  const changed = moved.after !== moved.before
  out.result({ commit: moved.after ?? null, changed }, result => result.commit ?? [])
  if (!changed) out.note('nothing changed: no commit made')
}
