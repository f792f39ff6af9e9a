/**
 * `irmin watch URL`: prints the ref moves of a store served by `irmin serve`, as they happen
 * (GET /sync/v1/events): "+ BRANCH ID" created, "* BRANCH ID" moved, "- BRANCH" deleted. After a
 * lost connection it reconnects and prints what changed meanwhile.
 */
import { subscribe } from '../../sync/index.js'
import type { CommandContext } from '../command.js'
import { onInterrupt } from '../interrupt.js'
import { tokenOf } from './sync-options.js'

export async function watchRemote(ctx: CommandContext, url: string): Promise<void> {
  const { out } = ctx
  const known = new Map<string, string>()
  let first = true
  const moved = (ref: string, id: string | null) => {
    const name = ref.replace(/^refs\/heads\//, '')
    const before = known.get(ref)
    if ((before ?? null) === id) return
    if (id === null) known.delete(ref)
    else known.set(ref, id)
    const kind = id === null ? 'removed' : before === undefined ? 'added' : 'updated'
    out.result({ kind, ref, id }, r => (r.id === null ? `- ${name}` : `${r.kind === 'added' ? '+' : '*'} ${name} ${r.id}`))
  }
  const interrupt = onInterrupt()
  const subscription = subscribe(url, {
    token: tokenOf(ctx),
    onRefs: reply => {
      if (first) {
        for (const [ref, id] of reply.refs) known.set(ref, id)
        first = false
        out.note(`watching ${url} (Ctrl-C stops)`)
        return
      }
      const now = new Map(reply.refs)
      for (const ref of [...known.keys()]) if (!now.has(ref)) moved(ref, null)
      for (const [ref, id] of now) moved(ref, id)
    },
    onMove: move => moved(move.ref, move.id),
    onError: (error, stopped) => {
      if (stopped) refusal = error
      else out.note(`connection lost, reconnecting: ${(error as Error).message}`)
    },
  })
  let refusal: unknown
  try {
    await Promise.race([interrupt.signalled, subscription.done])
  } finally {
    subscription.close()
    interrupt.dispose()
  }
  if (refusal !== undefined) throw refusal
}
