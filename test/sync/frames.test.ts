import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { frameObject, getDefaultHasher } from '../../core/index.js'
import { decodeFrames, encodeFrame, type Frame, FrameKind } from '../../sync/frames.js'

const blob = (text: string) => frameObject('blob', new TextEncoder().encode(text))
const objectFrame = (text: string): Frame => {
  const bytes = blob(text)
  return { kind: FrameKind.object, id: getDefaultHasher().sha1Hex(bytes), bytes }
}

/** Splits `bytes` at the given cut points: the decoder must not care where chunks end. */
async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0
  for (const cut of [...new Set(cuts.map(c => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    yield bytes.slice(at, cut)
    at = cut
  }
  yield bytes.slice(at)
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) (out.set(p, at), (at += p.length))
  return out
}

async function decodeAll(bytes: Uint8Array, cuts: number[] = [], maxFrame?: number): Promise<Frame[]> {
  const frames: Frame[] = []
  for await (const frame of decodeFrames(chunked(bytes, cuts), { maxFrame })) frames.push(frame)
  return frames
}

describe('object stream frames', () => {
  it('decode(encode(frames)) is the frames, however the bytes are chunked', async () => {
    const frame = fc.oneof(
      fc.string().map(objectFrame),
      fc.constantFrom(FrameKind.shallow, FrameKind.missing).chain(kind =>
        fc.stringMatching(/^[0-9a-f]{40}$/).map(id => ({ kind, id }) as Frame),
      ),
      fc.record({ objects: fc.nat(), bytes: fc.nat() }).map(json => ({ kind: FrameKind.progress, json }) as Frame),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), async (frames, cuts) => {
        const all = [...frames, { kind: FrameKind.end, json: { objects: frames.length } } as Frame]
        expect(await decodeAll(concat(all.map(encodeFrame)), cuts)).toEqual(all)
      }),
    )
  })

  it('decodes a stream fed a byte at a time, and hands out the frames before a bad one before its error', async () => {
    const frames = [objectFrame('a'), objectFrame('bb'), { kind: FrameKind.end, json: { objects: 2 } } as Frame]
    const bytes = concat(frames.map(encodeFrame))
    expect(await decodeAll(bytes, [...bytes.keys()])).toEqual(frames)
    const good = objectFrame('hello') as Extract<Frame, { kind: 1 }>
    const bad = { ...good, bytes: blob('hellp') }
    const seen: Frame[] = []
    const decodeInOneChunk = async () => {
      for await (const frame of decodeFrames(chunked(concat([good, bad].map(encodeFrame)), []))) seen.push(frame)
    }
    await expect(decodeInOneChunk()).rejects.toMatchObject({ code: 'EHASH' })
    expect(seen).toEqual([good])
  })

  it('refuses a stream cut anywhere before its END frame, as truncated', async () => {
    const bytes = concat([objectFrame('a'), objectFrame('bb'), { kind: FrameKind.end, json: { objects: 2 } } as Frame].map(encodeFrame))
    for (let cut = 0; cut < bytes.length; cut++) {
      await expect(decodeAll(bytes.subarray(0, cut))).rejects.toMatchObject({ code: 'ETRUNCATED' })
    }
  })

  it('refuses an object whose bytes do not hash to its id, naming both', async () => {
    const good = objectFrame('hello') as Extract<Frame, { kind: 1 }>
    const bad = { ...good, bytes: blob('hellp') }
    await expect(decodeAll(encodeFrame(bad))).rejects.toMatchObject({ code: 'EHASH', claimed: good.id })
  })

  it('refuses an oversized frame from its header, before reading its payload', async () => {
    const header = new Uint8Array([FrameKind.object, 0xff, 0xff, 0xff, 0xff])
    await expect(decodeAll(header, [], 1024)).rejects.toMatchObject({ code: 'ETOOLARGE' })
  })

  it('refuses unknown kinds, bad JSON, bad id payloads and bytes after END', async () => {
    const end = encodeFrame({ kind: FrameKind.end, json: {} })
    await expect(decodeAll(new Uint8Array([0x55, 0, 0, 0, 0]))).rejects.toMatchObject({ code: 'EBADREQUEST' })
    await expect(decodeAll(concat([new Uint8Array([FrameKind.progress, 0, 0, 0, 1, 0x7b]), end]))).rejects.toMatchObject({ code: 'EBADREQUEST' })
    await expect(decodeAll(concat([new Uint8Array([FrameKind.shallow, 0, 0, 0, 2, 1, 2]), end]))).rejects.toMatchObject({ code: 'EBADREQUEST' })
    await expect(decodeAll(concat([end, new Uint8Array([1])]))).rejects.toMatchObject({ code: 'EBADREQUEST' })
  })
})
