/** How a value looks in the inspector: text as text (JSON indented), bytes as a hex dump. */
import type { ApiEncodedValue } from './api-types.js'
import { h } from './dom.js'

const HEX_DUMP_BYTES = 512

export function valueBlock(value: ApiEncodedValue): HTMLElement {
  if (value.encoding === 'omitted') return h('p', { class: 'note' }, `${value.size} bytes (too large to show here)`)
  if (value.encoding === 'utf8') return h('pre', { class: 'value text' }, prettyJson(value.value) ?? value.value)
  return h('pre', { class: 'value binary' }, hexDump(value.value))
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

function hexDump(base64: string): string {
  const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0))
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
