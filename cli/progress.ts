/**
 * Progress bars for long operations (import, export, gc, fsck), drawn on stderr only when it is
 * a terminal: piped or redirected output stays quiet.
 */
import type CliProgress from 'cli-progress'
import { createRequire } from 'node:module'
import { formatSize } from './format/size.js'

// Loaded only when a bar is drawn: most runs are not on a terminal, and loading it costs every
// command start-up time.
const load = createRequire(import.meta.url)
const progressLibrary = (): typeof CliProgress => load('cli-progress') as typeof CliProgress

export interface Progress {
  advance(by?: number): void
  stop(): void
}

const QUIET: Progress = { advance() {}, stop() {} }

export function progressBar(label: string, total: number): Progress {
  if (!process.stderr.isTTY || total === 0) return QUIET
  const cliProgress = progressLibrary()
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {percentage}% {eta_formatted}`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  )
  bar.start(total, 0)
  return {
    advance: (by = 1) => bar.increment(by),
    stop: () => bar.stop(),
  }
}

/** Progress through phases (gc: mark, sweep; fsck: objects, refs, reachable), each counting up to one total. */
export interface PhasedProgress {
  update(phase: string, done: number): void
  stop(): void
}

const QUIET_PHASES: PhasedProgress = { update() {}, stop() {} }

/**
 * A bar whose every phase counts up to `total()` (for gc and fsck: the objects in the store).
 * `total` is only asked when the bar will be drawn, since counting may cost a pass over the store.
 */
export async function phasedProgressBar(label: string, total: () => Promise<number>): Promise<PhasedProgress> {
  if (!process.stderr.isTTY) return QUIET_PHASES
  const limit = await total()
  if (limit === 0) return QUIET_PHASES
  const cliProgress = progressLibrary()
  const bar = new cliProgress.SingleBar(
    { format: `${label} {phase} [{bar}] {value}/{total} {percentage}%`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  )
  bar.start(limit, 0, { phase: '' })
  return {
    // A phase may count a little past the total (objects written while gc runs).
    update: (phase, done) => bar.update(Math.min(done, limit), { phase }),
    stop: () => bar.stop(),
  }
}

/** A transfer's running count (clone, fetch, push): objects and bytes so far, on one redrawn line. */
export interface TransferProgress {
  update(objects: number, bytes: number): void
  stop(): void
}

export function transferProgress(label: string, stream: NodeJS.WriteStream = process.stderr): TransferProgress {
  if (!stream.isTTY) return { update() {}, stop() {} }
  let drawn = false
  let last = 0
  return {
    update(objects, bytes) {
      const now = Date.now()
      if (now - last < 100) return
      last = now
      drawn = true
      stream.write(`\r${label}: ${objects.toLocaleString('en-US')} objects, ${formatSize(bytes)}\x1b[K`)
    },
    stop() {
      if (drawn) stream.write('\r\x1b[K')
    },
  }
}

