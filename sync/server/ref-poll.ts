/**
 * The refs read again every POLL_MS, once per server however many subscribers listen: for writers
 * the backend cannot hear (another process writing a git repository, git itself). Each reading
 * goes to every listener as a whole listing; each compares it with what it has told its client,
 * so a move between its own first reading and the poller's is still found. The timer runs only
 * while someone listens.
 */
import type { Backend } from '../../core/index.js'

export const POLL_MS = 500

export type RefsListener = (refs: ReadonlyMap<string, string>) => void

export class RefPoll {
  private readonly listeners = new Set<RefsListener>()
  private timer: ReturnType<typeof setInterval> | undefined
  private polling = false

  constructor(
    private readonly backend: Backend,
    private readonly ms = POLL_MS,
  ) {}

  add(listener: RefsListener): () => void {
    this.listeners.add(listener)
    this.timer ??= setInterval(() => void this.poll(), this.ms)
    return () => {
      this.listeners.delete(listener)
      if (this.listeners.size > 0 || this.timer === undefined) return
      clearInterval(this.timer)
      this.timer = undefined
    }
  }

  private async poll(): Promise<void> {
    if (this.polling) return
    this.polling = true
    try {
      const refs = new Map(await this.backend.listRefs('refs/'))
      for (const listener of this.listeners) {
        try {
          listener(refs)
        } catch {
          // One broken subscriber must not keep the others from hearing.
        }
      }
    } catch {
      // The next reading tries again; subscriptions stay.
    } finally {
      this.polling = false
    }
  }
}
