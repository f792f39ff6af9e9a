import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MalformedPktLineError, OversizedPktLineError, TruncatedPktLineError } from '../../git-protocol/errors.js'
import { concatLines, DELIM_PKT, FLUSH_PKT, lineText, type PktLine, pktLine, PktLineReader, RESPONSE_END_PKT, sideBandLines } from '../../git-protocol/pkt-line.js'

const enc = new TextEncoder()

async function* chunks(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut > at && cut < bytes.length) {
      yield bytes.slice(at, cut)
      at = cut
    }
  }
  yield bytes.slice(at)
}

async function readAll(reader: PktLineReader): Promise<PktLine[]> {
  const out: PktLine[] = []
  for (let line = await reader.next(); line; line = await reader.next()) out.push(line)
  return out
}

const lineArb: fc.Arbitrary<PktLine> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((data) => ({ kind: 'data' as const, data })),
  fc.constant({ kind: 'flush' as const }),
  fc.constant({ kind: 'delim' as const }),
  fc.constant({ kind: 'response-end' as const }),
)

function encode(line: PktLine): Uint8Array {
  if (line.kind === 'data') return pktLine(line.data)
  return line.kind === 'flush' ? FLUSH_PKT : line.kind === 'delim' ? DELIM_PKT : RESPONSE_END_PKT
}

describe('pkt-line', () => {
  it('encodes as git does', () => {
    expect(new TextDecoder().decode(pktLine('command=ls-refs\n'))).toBe('0014command=ls-refs\n')
    expect(new TextDecoder().decode(pktLine(''))).toBe('0004')
  })

  it('reads back any sequence of lines, however the bytes are cut into chunks, then the rest', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lineArb, { maxLength: 30 }), fc.uint8Array({ maxLength: 50 }), fc.array(fc.nat(5000), { maxLength: 20 }), async (lines, tail, cuts) => {
        const bytes = concatLines([...lines.map(encode), FLUSH_PKT, tail])
        const reader = new PktLineReader(chunks(bytes, cuts))
        const read: PktLine[] = []
        for (let i = 0; i <= lines.length; i++) read.push(await reader.expect('test'))
        expect(read).toEqual([...lines, { kind: 'flush' }])
        const rest: number[] = []
        for await (const chunk of reader.rest()) rest.push(...chunk)
        expect(rest).toEqual([...tail])
      }),
    )
  })

  it('splits side-band data into lines no longer than asked', async () => {
    const data = new Uint8Array(70000).map((_, i) => i & 255)
    const lines = sideBandLines(1, data, 1000)
    expect(lines.length).toBe(70)
    const read = await readAll(new PktLineReader(chunks(concatLines(lines), [])))
    const joined = read.flatMap((l) => (l.kind === 'data' ? [...l.data.subarray(1)] : []))
    expect(joined.length).toBe(data.length)
    expect(read.every((l) => l.kind === 'data' && l.data[0] === 1)).toBe(true)
  })

  it('refuses bad lengths, truncation and oversized lines with typed errors', async () => {
    const read = (text: string | Uint8Array, max?: number) => readAll(new PktLineReader(chunks(typeof text === 'string' ? enc.encode(text) : text, []), max))
    await expect(read('00zzabc')).rejects.toBeInstanceOf(MalformedPktLineError)
    await expect(read('0003')).rejects.toBeInstanceOf(MalformedPktLineError)
    await expect(read('0010abc')).rejects.toBeInstanceOf(TruncatedPktLineError)
    await expect(read('00')).rejects.toBeInstanceOf(TruncatedPktLineError)
    await expect(read('0100' + 'x'.repeat(252), 200)).rejects.toBeInstanceOf(OversizedPktLineError)
    await expect(read('ffff')).rejects.toBeInstanceOf(OversizedPktLineError)
    expect(() => pktLine(new Uint8Array(70000))).toThrow(OversizedPktLineError)
    await expect(new PktLineReader(chunks(enc.encode('0008ab\n'), [])).readSection('refs')).rejects.toBeInstanceOf(TruncatedPktLineError)
  })

  it('gives a line its text without the newline', async () => {
    const [line] = await readAll(new PktLineReader(chunks(pktLine('want abc\n'), [])))
    expect(lineText(line!)).toBe('want abc')
  })
})
