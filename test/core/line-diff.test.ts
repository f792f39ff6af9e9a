/**
 * Line diffs (core/line-diff.ts): applying the hunks to the old text gives the new text, and the
 * hunks are the ones `git diff --no-index` prints for the same two files, on random texts made
 * of a few repeated lines (blank and indented ones included, so changes can slide and git's
 * heuristics decide where they go) and on long texts with scattered edits.
 */
import fc from 'fast-check'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { applyHunks, countChanges, isBinary, lineDiff, splitLines } from '../../core/line-diff.js'
import { unifiedLines } from '../../cli/format/unified.js'
import { removeDir, tempDir } from '../helpers/git.js'

const dir = tempDir('irmin-line-diff-')
afterAll(() => removeDir(dir))

/** The hunks git prints for two texts (header lines dropped), as lines. */
function gitHunks(before: string, after: string, extra: string[] = []): string[] {
  const [a, b] = [join(dir, 'a'), join(dir, 'b')]
  writeFileSync(a, before)
  writeFileSync(b, after)
  const r = spawnSync('git', ['-c', 'core.quotepath=off', 'diff', '--no-index', '--no-color', '--no-ext-diff', ...extra, a, b], {
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  })
  if (r.status === null || r.status > 1) throw new Error(`git diff failed: ${r.stderr}`)
  const lines = r.stdout.toString().split('\n')
  lines.pop()
  const first = lines.findIndex(line => line.startsWith('@@'))
  return first === -1 ? [] : lines.slice(first)
}

const line = fc.constantFrom('a', 'b', 'c', 'd', '', '  x', '  y', '\tz', 'if (t) {', '}', 'fun f', '$v')
const text = fc.tuple(fc.array(line, { maxLength: 30 }), fc.boolean()).map(([lines, end]) => lines.join('\n') + (end && lines.length ? '\n' : ''))

describe('line diffs', () => {
  it('applying the hunks to the old text gives the new text', () => {
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 5 }), (before, after, context) => {
        const hunks = lineDiff(before, after, { context })
        expect(applyHunks(before, hunks)).toBe(after)
        expect(hunks.length === 0).toBe(before === after)
      }),
      { numRuns: 500 },
    )
  })

  it('gives the hunks git diff gives on random texts', () => {
    fc.assert(
      fc.property(text, text, (before, after) => {
        expect(unifiedLines(lineDiff(before, after))).toEqual(gitHunks(before, after))
      }),
      { numRuns: 200 },
    )
  })

  it('places changes that could slide where git does (blocks of code added and removed: the indent heuristic)', () => {
    const block = fc.constantFrom('fun f {\n  x\n}\n\n', 'fun g {\n  y\n}\n\n', '\n', '  x\n', '}\n', 'a\n  b\n')
    const blocks = fc.array(block, { maxLength: 10 })
    fc.assert(
      fc.property(blocks, fc.nat(), fc.nat({ max: 2 }), blocks, (base, at, remove, insert) => {
        const changed = [...base]
        changed.splice(at % (base.length + 1), remove, ...insert.slice(0, 3))
        const [before, after] = [base.join(''), changed.join('')]
        expect(unifiedLines(lineDiff(before, after))).toEqual(gitHunks(before, after))
      }),
      { numRuns: 200 },
    )
  })

  it('gives the hunks git diff gives without the indent heuristic, and with other context sizes', () => {
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 4 }), (before, after, context) => {
        const ours = unifiedLines(lineDiff(before, after, { context, indentHeuristic: false }))
        expect(ours).toEqual(gitHunks(before, after, ['--no-indent-heuristic', `-U${context}`]))
      }),
      { numRuns: 150 },
    )
  })

  it('gives the hunks git diff gives on long texts with scattered edits', () => {
    const edit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 3 }), add: fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }) })
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { minLength: 50, maxLength: 400 }), fc.array(edit, { maxLength: 8 }), (base, edits) => {
        const lines = base.map(s => s.replace(/\n/g, ' '))
        const changed = [...lines]
        for (const e of edits) changed.splice(e.at % (changed.length + 1), e.remove, ...e.add.map(s => s.replace(/\n/g, ' ')))
        const [before, after] = [lines.join('\n') + '\n', changed.join('\n') + '\n']
        expect(unifiedLines(lineDiff(before, after))).toEqual(gitHunks(before, after))
      }),
      { numRuns: 60 },
    )
  })

  it('a one-word change in a 16 KB text is one small hunk, and a missing final newline is marked', () => {
    const before = Array.from({ length: 400 }, (_, i) => `line ${i} of the file, some words`).join('\n') + '\n'
    const after = before.replace('line 200 of', 'line 200 in')
    expect(before.length).toBeGreaterThan(12_000)
    const hunks = lineDiff(before, after)
    expect(unifiedLines(hunks)).toEqual([
      '@@ -198,7 +198,7 @@ line 196 of the file, some words',
      ' line 197 of the file, some words',
      ' line 198 of the file, some words',
      ' line 199 of the file, some words',
      '-line 200 of the file, some words',
      '+line 200 in the file, some words',
      ' line 201 of the file, some words',
      ' line 202 of the file, some words',
      ' line 203 of the file, some words',
    ])
    expect(countChanges(hunks)).toEqual({ added: 1, removed: 1 })
    expect(unifiedLines(lineDiff('a\nb', 'a\nb\n'))).toEqual(['@@ -1,2 +1,2 @@', ' a', '-b', '\\ No newline at end of file', '+b'])
    expect(gitHunks('a\nb', 'a\nb\n')).toEqual(unifiedLines(lineDiff('a\nb', 'a\nb\n')))
  })

  it('splits lines keeping their endings, and calls data with a NUL byte binary, as git does', () => {
    expect(splitLines('a\n\nb')).toEqual(['a\n', '\n', 'b'])
    expect(splitLines('')).toEqual([])
    expect(isBinary(new TextEncoder().encode('plain text\n'))).toBe(false)
    expect(isBinary(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1]))).toBe(true)
  })

  it('a large rewrite (past the cost cut-off, so not minimal) still applies', () => {
    const before = Array.from({ length: 20_000 }, (_, i) => `${i % 7} ${i % 13}`).join('\n')
    const after = Array.from({ length: 20_000 }, (_, i) => `${i % 11} ${i % 5}`).join('\n')
    const hunks = lineDiff(before, after)
    expect(applyHunks(before, hunks)).toBe(after)
  })
})
