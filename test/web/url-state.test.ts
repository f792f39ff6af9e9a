/** The inspector's view in its URL: what formatView writes, parseView reads back, and no more. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatView, HOME, parseView, type View } from '../../web/inspector/url-state.js'

const step = fc.string({ minLength: 1, maxLength: 8 }).filter(s => !s.includes('/') && s !== '.' && s !== '..')
const id = fc.stringMatching(/^[0-9a-f]{40}$/)
const text = fc.string({ minLength: 1, maxLength: 12 })

const view: fc.Arbitrary<View> = fc
  .record(
    {
      branch: text,
      commit: id,
      tab: fc.constantFrom('changes' as const, 'files' as const),
      path: fc.array(step, { maxLength: 4 }),
      file: fc.boolean(),
      q: text,
      diff: fc.tuple(id, id),
    },
    { requiredKeys: ['tab', 'path', 'file'] },
  )
  .map(v => ({ ...v, file: v.file && v.path.length > 0 }))

describe('the view in the URL', () => {
  it('reads back what it writes', () => {
    fc.assert(
      fc.property(view, v => {
        expect(parseView(formatView(v))).toEqual(v)
      }),
    )
  })

  it('the home view is the bare page', () => {
    expect(formatView(HOME)).toBe('')
    expect(parseView('')).toEqual(HOME)
  })

  it('writes directories with a trailing slash, values without', () => {
    expect(formatView({ ...HOME, tab: 'files', path: ['a b', 'c'], file: true })).toBe('?tab=files&path=a+b%2Fc')
    expect(parseView('?tab=files&path=a+b%2Fc%2F')).toEqual({ ...HOME, tab: 'files', path: ['a b', 'c'], file: false })
  })

  it('ignores what it does not know and steps a store path cannot hold', () => {
    expect(parseView('?tab=nonsense&path=/a//./../b&diff=onlyone&x=1&commit=')).toEqual({ ...HOME, path: ['a', 'b'], file: true })
    expect(parseView('?diff=a..b..c')).toEqual(HOME)
  })
})
