/**
 * Progress bars for long operations (import and export now; gc, fsck and clone later), drawn on
 * stderr only when it is a terminal: piped or redirected output stays quiet.
 */
import cliProgress from 'cli-progress'

export interface Progress {
  advance(by?: number): void
  stop(): void
}

const QUIET: Progress = { advance() {}, stop() {} }

export function progressBar(label: string, total: number): Progress {
  if (!process.stderr.isTTY || total === 0) return QUIET
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
