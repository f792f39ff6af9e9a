/**
 * Paths on the command line: `a/b/c`, leading and trailing `/` ignored, `''` or `/` the root.
 * Steps are checked as the store checks them, but errors quote the path as the user typed it.
 */
import { validateStep } from '../core/path.js'
import { InvalidPathError, type Path } from '../index.js'

export function parsePathArgument(text: string): Path {
  const trimmed = text.replace(/^\/+|\/+$/g, '')
  if (trimmed === '') return []
  const steps = trimmed.split('/')
  for (const step of steps) validateStep(step, text)
  return steps
}

/** A path that names a value: anything but the root. */
export function parseValuePath(text: string): Path {
  const path = parsePathArgument(text)
  if (path.length === 0) throw new InvalidPathError(text, 'the root is a directory, not a value')
  return path
}
