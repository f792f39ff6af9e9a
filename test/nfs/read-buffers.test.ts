/**
 * READ replies of a spooled file lend their data from a pool of buffers until the socket has
 * sent them. A reader that stops reading keeps its replies queued in the server; other readers'
 * READs meanwhile must get other buffers, never one still waiting to be sent.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openLevelBackend, Repo, startNfsServer, type NfsServer } from '../../index.js'
import { NFS_PROGRAM, NFSPROC3 } from '../../nfs-export/nfs3-constants.js'
import { encodeCall, RecordDecoder } from '../../nfs-export/rpc.js'
import { XdrReader } from '../../nfs-export/xdr.js'
import { buildDriver, nfsUrl, tool } from '../../tools/nfs-tools.js'

const MIB = 1 << 20

/** A connection that sends READs and collects whole reply records (reading only when `resume`d). */
function reader(port: number): Promise<{ socket: Socket; replies: Uint8Array[]; wait(n: number): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const decoder = new RecordDecoder(4 * MIB)
    const replies: Uint8Array[] = []
    const socket = connect({ host: '127.0.0.1', port }, () => resolve({ socket, replies, wait }))
    socket.once('error', reject)
    socket.on('data', chunk => replies.push(...decoder.push(chunk).map(r => r.slice())))
    async function wait(n: number): Promise<void> {
      for (let i = 0; replies.length < n; i++) {
        if (i > 400) throw new Error(`${replies.length} of ${n} replies`)
        await new Promise(r => setTimeout(r, 25))
      }
    }
  })
}

function readCall(xid: number, handle: Uint8Array, offset: number): Uint8Array {
  return encodeCall(xid, NFS_PROGRAM, 3, NFSPROC3.READ, w => w.opaque(handle).u64(BigInt(offset)).u32(MIB))
}

/** The data of a READ reply (its xid and bytes). */
function readData(record: Uint8Array): { xid: number; data: Uint8Array } {
  const r = new XdrReader(record)
  const xid = r.u32()
  r.u32() // REPLY
  expect(r.u32()).toBe(0) // accepted
  r.u32() // verifier flavor
  r.opaque(400)
  expect(r.u32()).toBe(0) // SUCCESS
  expect(r.u32()).toBe(0) // NFS3_OK
  if (r.bool()) r.fixed(84)
  r.u32() // count
  r.bool() // eof
  return { xid, data: r.opaque(MIB) }
}

describe('NFS READ buffers', () => {
  let dir: string
  let repo: Repo<Uint8Array>
  let server: NfsServer
  const data = randomBytes(12 * MIB)
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'irmin-nfs-read-'))
    repo = await Repo.open({ backend: await openLevelBackend(join(dir, 'store')), contents: Contents.bytes })
    server = await startNfsServer({ repo, port: 0, mountPort: 0, journal: false })
  })
  afterAll(async () => {
    await server?.close()
    await repo?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a stalled reader keeps its buffers while others read', async () => {
    const local = join(dir, 'big.bin')
    writeFileSync(local, data)
    // Uploaded past 4 MiB: a spool, which READ reads into a lent buffer.
    expect((await tool('nfs-cp', [local, nfsUrl(server.port, server.mountPort, '/big.bin')])).status).toBe(0)
    const driver = await buildDriver()
    const handle = Buffer.from((await tool(driver, [nfsUrl(server.port, server.mountPort), 'handle', '/big.bin'])).stdout.trim(), 'hex')

    const stalled = await reader(server.port)
    stalled.socket.pause() // reads nothing: its replies queue in the server
    for (let i = 0; i < 12; i++) stalled.socket.write(readCall(100 + i, handle, i * MIB))
    await new Promise(r => setTimeout(r, 300))

    const other = await reader(server.port)
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 12; i++) other.socket.write(readCall(200 + i, handle, ((i + 5) % 12) * MIB))
      await other.wait(12 * (round + 1))
    }
    for (const record of other.replies) {
      const { xid, data: got } = readData(record)
      const at = (((xid - 200) + 5) % 12) * MIB
      expect(Buffer.from(got).equals(data.subarray(at, at + MIB)), `other reader at ${at / MIB} MiB`).toBe(true)
    }

    stalled.socket.resume()
    await stalled.wait(12)
    for (const record of stalled.replies) {
      const { xid, data: got } = readData(record)
      const at = (xid - 100) * MIB
      expect(Buffer.from(got).equals(data.subarray(at, at + MIB)), `stalled reader at ${at / MIB} MiB`).toBe(true)
    }
    stalled.socket.destroy()
    other.socket.destroy()
  })
})
