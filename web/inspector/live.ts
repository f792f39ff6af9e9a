/**
 * Live updates: the server's ref-move events (`GET /sync/v1/events`, server-sent events) tell
 * the page when a branch moves, by any writer (sync/server/events.ts hears the backend and also
 * re-reads the refs every half second, for writers in other processes). Moves that arrive close
 * together are reported once. EventSource reconnects by itself after the server restarts; the
 * `refs` snapshot it then gets first is compared with what the page shows.
 */
const SETTLE_MS = 100

export interface LiveRefs {
  close(): void
}

/** `onMove` runs after moves; `known` gives the heads the page shows, to compare snapshots with. */
export function watchBranches(onMove: () => void, known: () => ReadonlyArray<{ name: string; head: string }>): LiveRefs {
  if (typeof EventSource === 'undefined') return { close() {} }
  const source = new EventSource('/sync/v1/events?prefix=refs/heads/')
  let timer: ReturnType<typeof setTimeout> | undefined
  const moved = () => {
    if (timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      onMove()
    }, SETTLE_MS)
  }
  source.addEventListener('ref', moved)
  // A snapshot comes first on each (re)connection: a move the page has not shown may be in it.
  source.addEventListener('refs', event => {
    const { refs } = JSON.parse((event as MessageEvent<string>).data) as { refs: Array<[string, string]> }
    const shown = new Map(known().map(b => [`refs/heads/${b.name}`, b.head]))
    if (refs.length !== shown.size || refs.some(([ref, id]) => shown.get(ref) !== id)) moved()
  })
  return {
    close() {
      source.close()
      if (timer !== undefined) clearTimeout(timer)
    },
  }
}
