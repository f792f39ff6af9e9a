/** The content type of a raw value: images by their first bytes, SVG by name, else text or bytes. */
import { describe, expect, it } from 'vitest'
import { rawType } from '../../cli/server/encode.js'

const bytes = (...parts: Array<string | number[]>) =>
  Uint8Array.from(parts.flatMap(part => (typeof part === 'string' ? [...part].map(c => c.charCodeAt(0)) : part)))

describe('rawType', () => {
  it.each([
    ['a.png', bytes([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13]), 'image/png'],
    ['photo', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], 'JFIF'), 'image/jpeg'],
    ['x.gif', bytes('GIF89a', [1, 0, 1, 0]), 'image/gif'],
    ['x.webp', bytes('RIFF', [36, 0, 0, 0], 'WEBPVP8 '), 'image/webp'],
    ['logo.svg', bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml'],
    ['LOGO.SVG', bytes('<svg/>'), 'image/svg+xml'],
    ['notes.txt', bytes('<svg/>'), 'text/plain; charset=utf-8'],
    ['fake.png', bytes('not a png'), 'text/plain; charset=utf-8'],
    ['bin.svg', bytes([0xff, 0xfe, 0x00]), 'application/octet-stream'],
    ['short', bytes('RIFF'), 'text/plain; charset=utf-8'],
    ['empty', bytes(), 'text/plain; charset=utf-8'],
  ])('%s → %s', (name, value, type) => {
    expect(rawType(['dir', name], value)).toBe(type)
  })
})
