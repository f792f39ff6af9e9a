/**
 * The project's standard workload: key i is `d<i%100>/k<i>`, its value 100 pseudo-random ASCII
 * bytes seeded by i; keys are committed 1,000 per commit, each commit's tree holding every key
 * so far; author, date and messages are fixed so every tool arrives at the same ids.
 */
import type { CommitInfo, Store } from '../index.browser.js'

export const AUTHOR_NAME = 'Bench'
export const AUTHOR_EMAIL = 'bench@example.org'
export const AUTHOR = `${AUTHOR_NAME} <${AUTHOR_EMAIL}>`
export const DATE = 1_700_000_000
export const KEYS_PER_COMMIT = 1000

export function keyPath(i: number): [string, string] {
  return [`d${i % 100}`, `k${i}`]
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** 100 ASCII bytes from a mulberry32 generator seeded by `i`. */
export function value(i: number): Uint8Array {
  const out = new Uint8Array(100)
  let state = (i + 0x9e3779b9) | 0
  for (let j = 0; j < 100; j++) {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    out[j] = ALPHABET.charCodeAt(((t ^ (t >>> 14)) >>> 0) & 63)
  }
  return out
}

export function commitMessage(n: number): string {
  return `commit ${n}\n`
}

/** Key i of the 1,000,000-key, three-level store: `a<i/10000>/b<(i/100)%100>/k<i%100>`. */
export function deepKeyPath(i: number): [string, string, string] {
  return [`a${Math.floor(i / 10000)}`, `b${Math.floor(i / 100) % 100}`, `k${i % 100}`]
}

/** Writes keys 0..total-1 of the standard workload through `store.batch`; returns the last head. */
export async function writeWorkload(store: Store<Uint8Array>, total: number): Promise<CommitInfo> {
  let head: CommitInfo | undefined
  for (let c = 0; c * KEYS_PER_COMMIT < total; c++) {
    head = await store.batch(
      tx => {
        for (let i = c * KEYS_PER_COMMIT; i < Math.min(total, (c + 1) * KEYS_PER_COMMIT); i++) tx.set(keyPath(i), value(i))
      },
      { message: commitMessage(c), author: AUTHOR, date: DATE },
    )
  }
  return head!
}
