/**
 * The `--contents` codec at the edges of the command line: a value argument (or standard input,
 * or a file) becomes blob bytes through the codec, and stored bytes become text through it. A
 * value the codec rejects on the way in is a usage error. Stored bytes it cannot read make `get`
 * fail (naming the path and suggesting `--contents bytes`); listings (`tree`, `diff`) show them
 * as bytes instead, so one binary value does not hide the rest.
 *
 * Values are given as the codec's type: text for string, a whole number for counter, JSON for
 * json, multiset, set, lww and log (which then checks the shape: `{ "x": 2 }`, `[1, 2]`,
 * `{ "time": 1, "value": ... }`, `[{ "id": "a", "time": 1, ... }]`), anything for bytes.
 */
import { Contents, InvalidValueError, type Json } from '../index.js'
import { codecOf, type Value } from './codecs.js'
import type { ContentsName } from './command.js'
import { UndecodableValueError } from './errors.js'

/** The bytes to store for a value given as text on the command line. */
export function encodeArgument(text: string, contents: ContentsName): Uint8Array {
  return encodeInput(new TextEncoder().encode(text), contents, 'the value')
}

/** The bytes to store for a value read from `source` (standard input, a file). */
export function encodeInput(bytes: Uint8Array, contents: ContentsName, source = 'input'): Uint8Array {
  switch (contents) {
    case 'bytes':
      return bytes
    case 'string':
      return Contents.string.encode(textOf(bytes, source))
    case 'counter':
      return Contents.counter.encode(wholeNumberOf(textOf(bytes, source), source))
    default:
      return codecOf(contents).encode(jsonOf(textOf(bytes, source), source))
  }
}

function textOf(bytes: Uint8Array, source: string): string {
  try {
    return Contents.string.decode(bytes)
  } catch {
    throw new InvalidValueError(`${source} is not UTF-8 text (store binary data with --contents bytes)`)
  }
}

function jsonOf(text: string, source: string): Json {
  try {
    return JSON.parse(text) as Json
  } catch {
    throw new InvalidValueError(`${source} is not JSON: ${quoted(text)}`)
  }
}

function wholeNumberOf(text: string, source: string): number {
  const trimmed = text.trim()
  if (!/^-?[0-9]+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) throw new InvalidValueError(`${source} is not a counter (a whole number): ${quoted(text)}`)
  return Number(trimmed)
}

/** Text quoted for an error message, shortened to 40 characters. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)
}

/** A stored value as the codec reads it; bytes it cannot read are an error naming `path`. */
export function decodeStored(path: string, bytes: Uint8Array, contents: ContentsName): Value {
  try {
    return codecOf(contents).decode(bytes)
  } catch (error) {
    if (error instanceof InvalidValueError) throw new UndecodableValueError(path, contents, error.message.replace(/^invalid value: /, ''))
    throw error
  }
}

/** For showing: the codec's value, or the bytes themselves when the codec cannot read them. */
export function readable(bytes: Uint8Array, contents: ContentsName): Value {
  try {
    return codecOf(contents).decode(bytes)
  } catch (error) {
    if (error instanceof InvalidValueError) return bytes
    throw error
  }
}

/**
 * The stored values of one `--json` entry (`value`, or `before` and `after`) as the codec reads
 * them; when it cannot read one of them (or the codec is bytes), all are given as base64 and the
 * entry says `"encoding": "base64"`.
 */
export function jsonValues(values: Record<string, Uint8Array | undefined>, contents: ContentsName): Record<string, Json> {
  const given = Object.entries(values).filter((entry): entry is [string, Uint8Array] => entry[1] !== undefined)
  const read = given.map(([key, bytes]) => [key, readable(bytes, contents)] as const)
  if (!read.some(([, value]) => value instanceof Uint8Array)) return Object.fromEntries(read) as Record<string, Json>
  return { ...Object.fromEntries(given.map(([key, bytes]) => [key, Buffer.from(bytes).toString('base64')])), encoding: 'base64' }
}

/** A value on one line of text, shortened to `max` characters. */
export function displayValue(value: Value, max = Infinity): string {
  let text: string
  if (value instanceof Uint8Array) text = bytesSummary(value)
  else if (typeof value === 'string') text = /[\x00-\x1f\x7f]/.test(value) ? JSON.stringify(value) : value
  else text = JSON.stringify(value)
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** Printable text as is, anything else as its size and first bytes in hex. */
function bytesSummary(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8')
  if (!text.includes('\uFFFD') && !/[\x00-\x08\x0e-\x1f\x7f]/.test(text)) return JSON.stringify(text)
  const hex = Buffer.from(bytes.subarray(0, 16)).toString('hex')
  return `<${bytes.length} bytes: ${hex}${bytes.length > 16 ? '...' : ''}>`
}
