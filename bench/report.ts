/**
 * Benchmark results: rows of figures grouped by suite, printed as a table with ratios against
 * the peers measured in the same run, and written as JSON (bench/results/latest.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Row {
  suite: string
  name: string
  value: number
  unit: string
  /** Larger is better (throughput) or smaller is better (latency). */
  better: 'higher' | 'lower'
  note?: string
}

export interface Ratio {
  suite: string
  name: string
  /** Ours over the peer, oriented so that > 1 means we are better. */
  value: number
  target?: number
}

export class Report {
  readonly rows: Row[] = []
  readonly ratios: Ratio[] = []
  readonly checks: Array<{ suite: string; name: string; ok: boolean; detail: string }> = []

  add(row: Row): Row {
    this.rows.push(row)
    const shown = row.value >= 100 ? Math.round(row.value).toLocaleString('en-US') : row.value.toPrecision(3)
    console.log(`  ${row.name.padEnd(64)} ${shown.padStart(14)} ${row.unit}${row.note ? `   (${row.note})` : ''}`)
    return row
  }

  /** Records ours/peer (for 'higher') or peer/ours (for 'lower'), so > 1 always means "we win". */
  ratio(suite: string, name: string, ours: Row, peer: Row, target?: number): void {
    const value = ours.better === 'higher' ? ours.value / peer.value : peer.value / ours.value
    this.ratios.push({ suite, name, value, target })
    const verdict = target === undefined ? '' : value >= target ? `  ✓ target ≥ ${target}` : `  ✗ target ≥ ${target}`
    console.log(`  ${('ratio: ' + name).padEnd(64)} ${value.toFixed(2).padStart(14)} ×${verdict}`)
  }

  /** A target on an absolute figure (for example: latency ≤ 0.2 ms). */
  target(suite: string, name: string, row: Row, limit: number): void {
    const ok = row.better === 'higher' ? row.value >= limit : row.value <= limit
    this.checks.push({ suite, name, ok, detail: `${row.value.toPrecision(4)} ${row.unit} ${row.better === 'higher' ? '≥' : '≤'} ${limit}` })
    console.log(`  ${('target: ' + name).padEnd(64)} ${ok ? '✓' : '✗'} ${row.better === 'higher' ? '≥' : '≤'} ${limit} ${row.unit}`)
  }

  check(suite: string, name: string, ok: boolean, detail: string): void {
    this.checks.push({ suite, name, ok, detail })
    console.log(`  ${('check: ' + name).padEnd(64)} ${ok ? '✓' : '✗'} ${detail}`)
  }

  write(): string {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'results')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'latest.json')
    const machine = { node: process.version, platform: process.platform, arch: process.arch, date: new Date().toISOString() }
    writeFileSync(file, JSON.stringify({ machine, rows: this.rows, ratios: this.ratios, checks: this.checks }, null, 2) + '\n')
    return file
  }
}

/** Seconds taken by `fn`. */
export async function time(fn: () => unknown | Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e9
}
