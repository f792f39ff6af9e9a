/**
 * Bad input on the git endpoints, sent raw: truncated and oversized pkt-lines, malformed
 * lengths and commands, packs with a bad checksum, a missing delta base, a truncation, pushes
 * whose closure is incomplete, a stale old id. Each gets a clear refusal (HTTP 4xx with an `ERR`
 * line, or report-status `unpack …`/`ng …`), the refs stay as they were, `repo.fsck()` stays
 * clean, and the server goes on serving (a `git clone` afterwards works). And --read-token guards
 * reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { frameObject } from '../../core/objects/frame.js'
import type { Repo } from '../../index.js'
import { PackEncoder } from '../../git-protocol/pack-encoder.js'
import { concatLines, DELIM_PKT, FLUSH_PKT, lineText, pktLine, PktLineReader } from '../../git-protocol/pkt-line.js'
import { removeDir, tempDir } from '../helpers/git.js'
import { bytes, closeServers, makeHistory, openRepo } from '../sync/helpers.js'
import { gitOk, gitRun, gitUrl } from './helpers.js'

const enc = new TextEncoder()
const ZERO = '0'.repeat(40)

const idOf = (type: 'blob' | 'tree' | 'commit', body: Uint8Array) => createHash('sha1').update(frameObject(type, body)).digest('hex')

async function post(url: string, service: string, body: Uint8Array, v2 = false) {
  const reply = await fetch(`${url}/${service}`, {
    method: 'POST',
    body: Buffer.from(body),
    headers: { 'content-type': `application/x-${service}-request`, ...(v2 ? { 'git-protocol': 'version=2' } : {}) },
  })
  const raw = new Uint8Array(await reply.arrayBuffer())
  return { status: reply.status, raw, lines: await textLines(raw) }
}

/** The data lines of a reply, as text (a reply that is not pkt-lines gives what parsed before). */
async function textLines(raw: Uint8Array): Promise<string[]> {
  const reader = new PktLineReader((async function* () { yield raw })())
  const out: string[] = []
  try {
    for (let line = await reader.next(); line; line = await reader.next()) if (line.kind === 'data') out.push(lineText(line))
  } catch {
    out.push('<not pkt-lines>')
  }
  return out
}

function pack(objects: Array<[type: 'blob' | 'tree' | 'commit', body: Uint8Array]>): Uint8Array {
  const encoder = new PackEncoder(objects.length)
  for (const [type, body] of objects) encoder.add(type, body)
  return new Uint8Array(Buffer.concat(encoder.finish()))
}

function commitOf(tree: string, parent: string | undefined, message: string): Uint8Array {
  return enc.encode(`tree ${tree}\n${parent ? `parent ${parent}\n` : ''}author A <a@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n\n${message}\n`)
}

describe('bad input on the git endpoints', () => {
  let repo: Repo<Uint8Array>
  let url: string
  let work: string
  let main: string

  beforeAll(async () => {
    repo = await openRepo()
    await makeHistory(repo, 3)
    url = (await gitUrl(repo)).url
    main = (await repo.backend.getRef('refs/heads/main'))!
    work = tempDir()
  })
  afterAll(async () => {
    await closeServers()
    removeDir(work)
  })

  /** The refs as they were, fsck clean, and a real git clone still works. */
  async function unchangedAndServing(): Promise<void> {
    expect(await repo.backend.getRef('refs/heads/main')).toBe(main)
    expect((await repo.backend.listRefs('refs/heads/')).map(([n]) => n)).toEqual(['refs/heads/main'])
    expect((await repo.fsck()).damage).toEqual([])
    const dir = join(work, `clone-${Math.random().toString(36).slice(2)}`)
    await gitOk(work, ['clone', '-q', url, dir])
  }

  const pushBody = (commands: string[], packBytes?: Uint8Array) =>
    concatLines([...commands.map((c, i) => pktLine(i === 0 ? `${c}\0report-status atomic\n` : `${c}\n`)), FLUSH_PKT, ...(packBytes ? [packBytes] : [])])

  it('upload-pack: a truncated pkt-line is a 400 with an ERR line', async () => {
    const full = concatLines([pktLine('command=fetch\n'), DELIM_PKT, pktLine(`want ${main}\n`), pktLine('done\n'), FLUSH_PKT])
    for (const cut of [2, 10, full.length - 6]) {
      const reply = await post(url, 'git-upload-pack', full.subarray(0, cut), true)
      expect(reply.status).toBe(400)
      expect(reply.lines[0]).toMatch(/^ERR pkt-line stream truncated/)
    }
    await unchangedAndServing()
  })

  it('upload-pack: an oversized line, a malformed length, an unknown command or argument are 400s', async () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [enc.encode('ffff' + 'x'.repeat(100)), /over the limit of 65520/],
      [enc.encode('zzzzcommand=fetch\n'), /malformed pkt-line/],
      [concatLines([pktLine('command=push-everything\n'), FLUSH_PKT]), /unknown command/],
      [concatLines([pktLine('command=fetch\n'), DELIM_PKT, pktLine(`want ${main}\n`), pktLine('frobnicate\n'), FLUSH_PKT]), /unexpected fetch argument/],
      [concatLines([pktLine('command=fetch\n'), DELIM_PKT, pktLine('want nothex\n'), FLUSH_PKT]), /needs an object id/],
      [concatLines([pktLine('command=fetch\n'), DELIM_PKT, pktLine(`want ${main}\n`), pktLine('filter blob:limit=1k\n'), FLUSH_PKT]), /filter .* is not supported/],
    ]
    for (const [body, message] of cases) {
      const reply = await post(url, 'git-upload-pack', body, true)
      expect(reply.status).toBe(400)
      expect(reply.lines[0]).toMatch(message)
    }
    // v0 too.
    const reply = await post(url, 'git-upload-pack', enc.encode('0032want '))
    expect(reply.status).toBe(400)
    expect(reply.lines[0]).toMatch(/^ERR pkt-line stream truncated/)
    await unchangedAndServing()
  })

  it('receive-pack: malformed commands are a 400 with an ERR line', async () => {
    for (const [body, message] of [
      [pushBody(['not a command']), /a command is "old-id new-id ref"/],
      [pushBody([`${ZERO} ${main} refs/heads/../evil`]), /bad ref name/],
      [enc.encode('0064' + 'short'), /truncated/],
    ] as const) {
      const reply = await post(url, 'git-receive-pack', body)
      expect(reply.status).toBe(400)
      expect(reply.lines[0]).toMatch(message)
    }
    await unchangedAndServing()
  })

  it('receive-pack: a pack with a bad checksum, a truncated pack, a missing delta base: unpack error, nothing moves', async () => {
    const blob = enc.encode('pushed content\n')
    const tree = new Uint8Array(Buffer.concat([enc.encode('100644 f\0'), Buffer.from(idOf('blob', blob), 'hex')]))
    const commit = commitOf(idOf('tree', tree), main, 'bad pack')
    const good = pack([['blob', blob], ['tree', tree], ['commit', commit]])
    const badTrailer = good.slice()
    badTrailer[badTrailer.length - 1] ^= 0xff
    const corruptEntry = good.slice()
    corruptEntry[30] ^= 0xff // inside the blob's stored bytes: its Adler-32 (and the trailer) no longer match
    const thinWithoutBase = (() => {
      const encoder = new PackEncoder(1)
      encoder.addRefDelta('1234567890123456789012345678901234567890', new Uint8Array([1, 1, 1, 0x78]))
      return new Uint8Array(Buffer.concat(encoder.finish()))
    })()
    const command = `${main} ${idOf('commit', commit)} refs/heads/main`
    for (const [packBytes, message] of [
      [badTrailer, /checksum/],
      [corruptEntry, /corrupt|checksum|Adler/i],
      [good.subarray(0, good.length - 30), /truncated/],
      [thinWithoutBase, /base/],
      [enc.encode('NOTAPACK'), /header|truncated/],
    ] as const) {
      const reply = await post(url, 'git-receive-pack', pushBody([command], packBytes))
      expect(reply.status).toBe(200)
      expect(reply.lines[0]).toMatch(/^unpack /)
      expect(reply.lines[0]).not.toBe('unpack ok')
      expect(reply.lines[0]).toMatch(message)
      expect(reply.lines[1]).toBe('ng refs/heads/main unpacker error')
    }
    await unchangedAndServing()
  })

  it('receive-pack: a push whose closure is incomplete, or from a stale old id, is ng', async () => {
    const absentTree = 'ab'.repeat(20)
    const orphan = commitOf(absentTree, main, 'tree not sent')
    let reply = await post(url, 'git-receive-pack', pushBody([`${main} ${idOf('commit', orphan)} refs/heads/main`], pack([['commit', orphan]])))
    expect(reply.lines).toEqual(['unpack ok', expect.stringMatching(/^ng refs\/heads\/main .*missing object abab/)])
    // A command naming a commit that is neither in the pack nor in the store.
    reply = await post(url, 'git-receive-pack', pushBody([`${main} ${'cd'.repeat(20)} refs/heads/main`], pack([])))
    expect(reply.lines[1]).toMatch(/^ng refs\/heads\/main .*missing/)
    // A good commit, but from an old id that is not the ref's: stale, nothing moves (atomic: the other command neither).
    const blob = enc.encode('fine\n')
    const tree = new Uint8Array(Buffer.concat([enc.encode('100644 g\0'), Buffer.from(idOf('blob', blob), 'hex')]))
    const commit = commitOf(idOf('tree', tree), main, 'stale')
    reply = await post(url, 'git-receive-pack', pushBody([`${'ef'.repeat(20)} ${idOf('commit', commit)} refs/heads/main`, `${ZERO} ${idOf('commit', commit)} refs/heads/other`], pack([['blob', blob], ['tree', tree], ['commit', commit]])))
    expect(reply.lines[0]).toBe('unpack ok')
    expect(reply.lines[1]).toMatch(/^ng refs\/heads\/main .*not efef/)
    expect(reply.lines[2]).toBe('ng refs/heads/other atomic push failed')
    await unchangedAndServing()
  })

  it('--read-token guards reads: 401 with WWW-Authenticate: Basic, and the token as password works', async () => {
    const guarded = await openRepo()
    await guarded.branch('main').set(['secret'], bytes('s'))
    const served = await gitUrl(guarded, { read: 'reader', write: 'writer' })
    const refused = await gitRun(work, ['clone', '-q', served.url, 'refused'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/could not read Username|Authentication failed/)
    const reply = await fetch(`${served.url}/info/refs?service=git-upload-pack`)
    expect(reply.status).toBe(401)
    expect(reply.headers.get('www-authenticate')).toMatch(/^Basic realm="irmin"/)
    await gitOk(work, ['clone', '-q', served.withToken('reader'), 'reader'])
    // The read token does not push.
    const push = await gitRun(join(work, 'reader'), ['push', served.withToken('reader'), 'main:refs/heads/x'])
    expect(push.code).not.toBe(0)
    expect(await guarded.backend.getRef('refs/heads/x')).toBeUndefined()
  })
})
