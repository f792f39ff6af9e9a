/**
 * A moment for gc's `--keep-since` and `--prune-expire`: a duration back from now (`90m`, `12h`,
 * `30d`, `2w`) or a date (`2026-01-01`, UTC midnight; or ISO 8601 with a time,
 * `2026-01-01T12:00:00Z`). `spellings` names what else the option takes, for the error.
 */
import { UsageError } from './errors.js'

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const DURATION = /^([0-9]+)([mhdw])$/
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$/

export function parseSince(text: string, now: Date, option = 'keep-since', spellings = ''): Date {
  const duration = DURATION.exec(text)
  const date = duration ? new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2]]) : DATE.test(text) ? new Date(text) : undefined
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new UsageError(`--${option} takes ${spellings}a duration back from now (90m, 12h, 30d, 2w) or a date (2026-01-01), not "${text}"`)
  }
  return date
}
