/**
 * The `--keep-since` of gc: a duration back from now (`90m`, `12h`, `30d`, `2w`) or a date
 * (`2026-01-01`, UTC midnight; or ISO 8601 with a time, `2026-01-01T12:00:00Z`).
 */
import { UsageError } from './errors.js'

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const DURATION = /^([0-9]+)([mhdw])$/
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$/

export function parseSince(text: string, now: Date): Date {
  const duration = DURATION.exec(text)
  const date = duration ? new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2]]) : DATE.test(text) ? new Date(text) : undefined
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new UsageError(`--keep-since takes a duration back from now (90m, 12h, 30d, 2w) or a date (2026-01-01), not "${text}"`)
  }
  return date
}
