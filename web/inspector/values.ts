/**
 * How a value looks in the inspector: text with line numbers (JSON indented), images as images
 * (through `<img>` and the raw URL, so an SVG is drawn, never put into the page), other bytes as
 * a hex dump.
 */
import type { ApiEncodedValue } from './api-types.js'
import { h } from './dom.js'

const HEX_DUMP_BYTES = 512
const IMAGE_NAME = /\.(png|jpe?g|gif|webp|svg)$/i

/**
 * Whether the value at `path` is shown as an image: bytes that start as PNG, JPEG, GIF or WebP
 * do, text does when named `.svg`; a value left out of the reply goes by its name alone.
 */
export function isImage(path: readonly string[], value: ApiEncodedValue): boolean {
  const name = path[path.length - 1] ?? ''
  if (value.encoding === 'base64') return imageBytes(value.value)
  if (value.encoding === 'utf8') return /\.svg$/i.test(name)
  return IMAGE_NAME.test(name)
}

export function valueBlock(value: ApiEncodedValue, image?: { path: readonly string[]; url: string }): HTMLElement {
  if (image && isImage(image.path, value)) return imageBlock(image.url, image.path)
  if (value.encoding === 'omitted') return h('p', { class: 'note' }, `${value.size} bytes (too large to show here)`)
  if (value.encoding === 'utf8') return numberedText(prettyJson(value.value) ?? value.value)
  return h('pre', { class: 'value binary' }, hexDump(value.value))
}

export function imageBlock(url: string, path: readonly string[]): HTMLElement {
  return h('div', { class: 'image' }, h('img', { src: url, alt: path.join('/'), loading: 'lazy' }))
}

/** Text as a table of numbered lines: numbers are not copied with the text. */
export function numberedText(text: string): HTMLElement {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n')
  return h(
    'div',
    { class: 'value text' },
    h(
      'table',
      { class: 'lines' },
      h('tbody', {}, ...lines.map((line, i) => h('tr', {}, h('td', { class: 'number', 'data-line': i + 1 }), h('td', { class: 'line' }, line)))),
    ),
  )
}

export function sizeLabel(value: ApiEncodedValue): string {
  const kind = value.encoding === 'utf8' ? 'text' : value.encoding === 'base64' ? 'binary' : 'value'
  return `${kind}, ${value.size} byte${value.size === 1 ? '' : 's'}`
}

/** Indented JSON for a JSON object or array; undefined for anything else. */
function prettyJson(text: string): string | undefined {
  if (!/^\s*[[{]/.test(text)) return undefined
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return undefined
  }
}

function decodeBase64(base64: string, limit = Infinity): Uint8Array {
  const binary = atob(limit === Infinity ? base64 : base64.slice(0, Math.ceil(limit / 3) * 4))
  return Uint8Array.from(binary, c => c.charCodeAt(0))
}

/** PNG, JPEG, GIF or WebP, by the first bytes (as the server types raw values). */
function imageBytes(base64: string): boolean {
  const b = decodeBase64(base64, 12)
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to))
  return (b[0] === 0x89 && ascii(1, 4) === 'PNG') || (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) || ascii(0, 4) === 'GIF8' || (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP')
}

function hexDump(base64: string): string {
  const bytes = decodeBase64(base64)
  const lines: string[] = []
  for (let offset = 0; offset < Math.min(bytes.length, HEX_DUMP_BYTES); offset += 16) {
    const row = bytes.subarray(offset, offset + 16)
    const hex = [...row].map(b => b.toString(16).padStart(2, '0')).join(' ')
    const ascii = [...row].map(b => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`)
  }
  if (bytes.length > HEX_DUMP_BYTES) lines.push(`… ${bytes.length - HEX_DUMP_BYTES} more bytes`)
  return lines.join('\n')
}
