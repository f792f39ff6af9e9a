/**
 * Three-way line merges (core/line-merge.ts): a side that alone changed the text wins; both
 * sides' changes to different lines combine; the verdict and a clean result agree with
 * `git merge-file` on random texts; a conflict keeps the three versions between git's markers.
 */
import fc from 'fast-check'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { mergeLines, withMarkers } from '../../core/line-merge.js'
import { removeDir, tempDir } from '../helpers/git.js'

const dir = tempDir('irmin-line-merge-')
afterAll(() => removeDir(dir))
const LABELS = { ours: 'ours', base: 'base', theirs: 'theirs' }
const text = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', ''), { maxLength: 12 }).map(lines => lines.map(l => `${l}\n`).join(''))

/** git merge-file's result: merged text (markers in diff3 style) and whether it was clean. */
function gitMerge(base: string, ours: string, theirs: string): { clean: boolean; text: string } {
  const [o, b, t] = ['ours', 'base', 'theirs'].map(name => join(dir, name))
  writeFileSync(o, ours)
  writeFileSync(b, base)
  writeFileSync(t, theirs)
  const r = spawnSync('git', ['merge-file', '-p', '--diff3', '-L', 'ours', '-L', 'base', '-L', 'theirs', o, b, t])
  if (r.status === null || r.status < 0) throw new Error(`git merge-file failed: ${r.stderr}`)
  return { clean: r.status === 0, text: r.stdout.toString() }
}

describe('line merges', () => {
  it('one side changed: its text; both changed the same way: that text', () => {
    fc.assert(
      fc.property(text, text, (base, other) => {
        expect(mergeLines(base, base, other)).toMatchObject({ clean: true })
        expect(withMarkers(mergeLines(base, base, other), LABELS)).toBe(other)
        expect(withMarkers(mergeLines(base, other, base), LABELS)).toBe(other)
        expect(withMarkers(mergeLines(base, other, other), LABELS)).toBe(other)
      }),
    )
  })

  it('changes to lines far apart combine', () => {
    const base = 'one\ntwo\nthree\nfour\nfive\nsix\n'
    const merged = mergeLines(base, base.replace('one', 'ONE'), base.replace('six', 'SIX'))
    expect(merged.clean).toBe(true)
    expect(withMarkers(merged, LABELS)).toBe('ONE\ntwo\nthree\nfour\nfive\nSIX\n')
  })

  it('a conflict keeps the three versions between markers, as git merge-file --diff3 writes them', () => {
    const base = 'keep\nvalue: 1\nend\n'
    const merged = mergeLines(base, base.replace('1', '2'), base.replace('1', '3'))
    expect(merged.clean).toBe(false)
    const marked = withMarkers(merged, LABELS)
    expect(marked).toBe('keep\n<<<<<<< ours\nvalue: 2\n||||||| base\nvalue: 1\n=======\nvalue: 3\n>>>>>>> theirs\nend\n')
    expect(marked).toBe(gitMerge(base, base.replace('1', '2'), base.replace('1', '3')).text)
  })

  const edit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 2 }), add: fc.array(fc.constantFrom('x', 'y', 'a', ''), { maxLength: 2 }) })
  it('what we merge cleanly, git merge-file merges to the same text', () => {
    let compared = 0
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', ''), { minLength: 3, maxLength: 14 }), edit, edit, (lines, e1, e2) => {
        const base = lines.map(l => `${l}\n`).join('')
        const [ours, theirs] = [e1, e2].map(e => {
          const changed: string[] = [...lines]
          changed.splice(e.at % (lines.length + 1), e.remove, ...e.add)
          return changed.map(l => `${l}\n`).join('')
        })
        const theirsResult = gitMerge(base, ours, theirs)
        const merged = mergeLines(base, ours, theirs)
        if (merged.clean) {
          compared++
          // Ours is at least as cautious as git: whatever we merge, git merges the same way.
          expect(theirsResult).toEqual({ clean: true, text: withMarkers(merged, LABELS) })
        }
      }),
      { numRuns: 200 },
    )
    expect(compared).toBeGreaterThan(20)
  })
})
