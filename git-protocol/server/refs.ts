/**
 * The refs a git client sees: branches (`refs/heads/`) and tags (`refs/tags/`) — not the store's
 * own bookkeeping under `refs/irmin/` — and `HEAD`, a symbolic ref to the default branch: `main`,
 * else `master`, else the first branch by name (a store has no HEAD of its own).
 */
import type { Backend, Repo } from '../../core/index.js'
import { parseFrame, OBJ_TAG } from '../../backends/git/pack-format.js'

export interface AdvertisedRef {
  readonly name: string
  readonly id: string
  /** For an annotated tag: the object it finally points at (`peeled:` / `^{}`). */
  readonly peeled?: string
  /** For HEAD: the branch it stands for. */
  readonly symref?: string
}

const SHOWN = ['refs/heads/', 'refs/tags/']
const MAX_TAG_CHAIN = 16

/**
 * How long advertised ids stay out of garbage collection's reach: the fetch that follows an
 * advertisement is another HTTP request, and a ref moved meanwhile must not turn its want into
 * "not our ref" (git keeps young objects for gc.pruneExpire for the same reason).
 */
export const ADVERTISED_HOLD_MS = 60_000

/**
 * The refs to advertise, their ids pinned for ADVERTISED_HOLD_MS. Taken after a fence (no sweep
 * running), as a write's pins are, so the next sweep's last look sees the pins.
 */
export async function advertiseRefs(repo: Repo<Uint8Array>): Promise<AdvertisedRef[]> {
  await repo.objects.gc.fence()
  const refs = await advertisedRefs(repo.backend)
  const releases = [...new Set(refs.map(ref => ref.id))].map(id => repo.objects.gc.pin(id))
  setTimeout(() => releases.forEach(release => release()), ADVERTISED_HOLD_MS).unref()
  return refs
}

/** HEAD first (when there is a branch), then the refs by name. */
async function advertisedRefs(backend: Backend): Promise<AdvertisedRef[]> {
  const refs = (await backend.listRefs('refs/')).filter(([name]) => SHOWN.some(prefix => name.startsWith(prefix)))
  const out: AdvertisedRef[] = []
  const branches = refs.filter(([name]) => name.startsWith('refs/heads/'))
  const head = branches.find(([n]) => n === 'refs/heads/main') ?? branches.find(([n]) => n === 'refs/heads/master') ?? branches[0]
  if (head !== undefined) out.push({ name: 'HEAD', id: head[1], symref: head[0] })
  const tags = refs.filter(([name]) => name.startsWith('refs/tags/'))
  const peeled = await peelTags(backend, tags.map(([, id]) => id))
  for (const [name, id] of refs) out.push({ name, id, peeled: peeled.get(id) })
  return out
}

/** What each annotated tag among `ids` points at, past any chain of tags. */
async function peelTags(backend: Backend, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  let current = new Map(ids.map(id => [id, id])) // tag ref id → object reached so far
  for (let step = 0; step < MAX_TAG_CHAIN && current.size > 0; step++) {
    const objects = await backend.getObjects([...current.values()])
    const next = new Map<string, string>()
    ;[...current].forEach(([start], i) => {
      const framed = objects[i]
      const frame = framed && parseFrame(framed)
      if (framed === undefined || frame === undefined || frame.type !== OBJ_TAG) return
      const target = /^object ([0-9a-f]{40})\n/.exec(new TextDecoder().decode(framed.subarray(frame.bodyStart, frame.bodyStart + 48)))?.[1]
      if (target === undefined) return
      out.set(start, target)
      next.set(start, target)
    })
    current = next
  }
  return out
}
