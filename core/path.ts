/**
 * A path is a list of steps (`['a', 'b', 'c']`); the CLI and messages write it `a/b/c`.
 * A step is a non-empty name without `/` or NUL that is neither `.` nor `..`: exactly the names
 * git accepts in a tree, so every path maps onto a tree entry and back.
 */
import { InvalidPathError } from './errors.js'

export type Path = readonly string[]

export function validateStep(step: unknown, path: unknown): asserts step is string {
  if (typeof step !== 'string') throw new InvalidPathError(path, 'every step must be a string')
  const n = step.length
  if (n === 0) throw new InvalidPathError(path, 'empty step')
  if (n > 4096) throw new InvalidPathError(path, 'step longer than 4096 characters')
  if (step.charCodeAt(0) === 0x2e && (n === 1 || (n === 2 && step.charCodeAt(1) === 0x2e))) {
    throw new InvalidPathError(path, `step "${step}" is not allowed`)
  }
  // One pass for the rest: "/" and NUL are refused, surrogates must pair up (the hot read path
  // validates every step, so this avoids a scan per rule).
  for (let i = 0; i < n; i++) {
    const c = step.charCodeAt(i)
    if (c > 0x2f) {
      if (c < 0xd800 || c > 0xdfff) continue
      if (c <= 0xdbff && i + 1 < n) {
        const next = step.charCodeAt(i + 1)
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++
          continue
        }
      }
      throw new InvalidPathError(path, 'step is not valid Unicode')
    }
    if (c === 0x2f) throw new InvalidPathError(path, `step "${step}" contains "/"`)
    if (c === 0) throw new InvalidPathError(path, 'step contains NUL')
  }
}

/** Throws `InvalidPathError` unless `path` is an array of valid steps; the root is `[]`. */
export function validatePath(path: unknown): asserts path is Path {
  if (!Array.isArray(path)) throw new InvalidPathError(path, 'a path is an array of steps')
  for (const step of path) validateStep(step, path)
}

/** `a/b/c` → `['a','b','c']`; `''` and `/` are the root. Leading/trailing slashes are ignored. */
export function parsePath(text: string): Path {
  const trimmed = text.replace(/^\/+|\/+$/g, '')
  if (trimmed === '') return []
  const steps = trimmed.split('/')
  validatePath(steps)
  return steps
}

export function formatPath(path: Path): string {
  return path.join('/')
}
