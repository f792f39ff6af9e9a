/**
 * What `set` is asked to write: `PATH VALUE` (one value; `-` reads it from standard input),
 * `PATH=VALUE ...` (several, in one commit), or `-` alone: a JSON object on standard input,
 * `{ "PATH": VALUE, ... }`, where `null` removes the path. In the object a value is given as the
 * contents type takes it: a string for string and bytes (bytes as UTF-8), a whole number or its
 * text for counter, the JSON value itself for json, multiset, set, lww and log.
 */
import { formatPath, InvalidValueError, type Json, type Path } from '../index.js'
import type { ContentsName } from './command.js'
import { UsageError } from './errors.js'
import { parseValuePath } from './paths.js'
import { encodeArgument, encodeInput } from './values.js'

/** A value to set, or null to remove the path. */
export type Assignment = readonly [path: Path, value: Uint8Array | null]

/** True for the one-value form `set PATH VALUE`. */
export function isSingleValue(args: readonly string[]): boolean {
  return args.length === 2 && (!args[0].includes('=') || !args[1].includes('='))
}

/** The contents type a path's value is given in (see store/contents-types.ts). */
export type ContentsOf = (path: Path) => ContentsName

export function parseAssignments(args: readonly string[], contentsOf: ContentsOf): Assignment[] {
  return unique(
    args.map(arg => {
      const at = arg.indexOf('=')
      if (at === -1) throw new UsageError(`set takes PATH VALUE, or PATH=VALUE arguments: "${arg}" has no = (usage: irmin set PATH VALUE|- or irmin set PATH=VALUE... or irmin set - < object.json)`)
      const path = parseValuePath(arg.slice(0, at))
      return [path, encodeArgument(arg.slice(at + 1), contentsOf(path))] as const
    }),
  )
}

/** `{ "PATH": VALUE }` read from standard input. */
export function parseObject(bytes: Uint8Array, contentsOf: ContentsOf): Assignment[] {
  let object: Json
  try {
    object = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Json
  } catch {
    throw new InvalidValueError('standard input is not a JSON object { "PATH": VALUE, ... }')
  }
  if (object === null || typeof object !== 'object' || Array.isArray(object)) throw new InvalidValueError('standard input is not a JSON object { "PATH": VALUE, ... }')
  return unique(
    Object.entries(object).map(([key, value]) => {
      const path = parseValuePath(key)
      return [path, value === null ? null : encodeJsonValue(key, value, contentsOf(path))] as const
    }),
  )
}

function encodeJsonValue(key: string, value: Json, contents: ContentsName): Uint8Array {
  switch (contents) {
    case 'string':
    case 'bytes':
      if (typeof value !== 'string') throw new InvalidValueError(`the value of ${key} must be a string for ${contents} contents`)
      return encodeInput(new TextEncoder().encode(value), contents, `the value of ${key}`)
    case 'counter':
      if (typeof value !== 'string' && typeof value !== 'number') throw new InvalidValueError(`the value of ${key} must be a whole number for counter contents`)
      return encodeArgument(String(value), contents)
    default:
      return encodeArgument(JSON.stringify(value), contents)
  }
}

function unique(assignments: Assignment[]): Assignment[] {
  const seen = new Set<string>()
  for (const [path] of assignments) {
    const name = formatPath(path)
    if (seen.has(name)) throw new UsageError(`set names ${name} twice`)
    seen.add(name)
  }
  return assignments
}

/** The default message: `set a`, `set a, b and c`, `set 12 paths`. */
export function setMessage(assignments: readonly Assignment[]): string {
  const names = assignments.map(([path, value]) => (value === null ? `-${formatPath(path)}` : formatPath(path)))
  if (names.length === 1) return `set ${names[0]}`
  if (names.length <= 4) return `set ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
  return `set ${names.length} paths`
}
