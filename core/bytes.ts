/**
 * Byte-array helpers. `copyBytes` hands out small copies carved from shared 8 KiB slabs, as
 * Node's `Buffer.allocUnsafe` pool does: a new `ArrayBuffer` per 100-byte copy costs ~250 ns,
 * more than the rest of a cached read; a view on a slab costs ~20 ns. Copies never overlap, so
 * each is independent; a retained copy keeps its slab (at most 8 KiB) alive.
 */
const SLAB = 8 * 1024
const SMALL = 512
let slab = new Uint8Array(SLAB)
let slabUsed = 0

/** A new array holding a copy of `source`. */
export function copyBytes(source: Uint8Array): Uint8Array {
  const n = source.length
  if (n > SMALL) return source.slice()
  if (slabUsed + n > SLAB) {
    slab = new Uint8Array(SLAB)
    slabUsed = 0
  }
  const out = slab.subarray(slabUsed, slabUsed + n)
  // Keep each copy 8-byte aligned so later copies start on fresh words.
  slabUsed += (n + 7) & ~7
  out.set(source)
  return out
}
