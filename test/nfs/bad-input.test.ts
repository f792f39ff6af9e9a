/**
 * Malformed RPC from the network: every call gets the right RPC error (or its connection is
 * closed), and the server keeps serving everyone else. Paths never leave the export.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo, startNfsServer, type NfsServer } from '../../index.js'
import { MOUNT_PROGRAM, NFS_PROGRAM, NFSPROC3 } from '../../nfs-export/nfs3-constants.js'
import { encodeCall, RecordDecoder } from '../../nfs-export/rpc.js'
import { XdrReader, type XdrWriter } from '../../nfs-export/xdr.js'

/** A raw RPC connection: send bytes, read whole reply records. */
class Raw {
  private readonly decoder = new RecordDecoder(4 << 20)
  private readonly replies: Uint8Array[] = []
  private waiting: (() => void) | undefined
  closed = false
  private constructor(readonly socket: Socket) {
    socket.on('data', chunk => {
      this.replies.push(...this.decoder.push(chunk))
      this.waiting?.()
    })
    socket.on('close', () => {
      this.closed = true
      this.waiting?.()
    })
    socket.on('error', () => {})
  }

  static open(port: number): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new Raw(s)))
      s.once('error', reject)
    })
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }

  async reply(timeoutMs = 5000): Promise<XdrReader | undefined> {
    const deadline = Date.now() + timeoutMs
    while (this.replies.length === 0 && !this.closed && Date.now() < deadline) {
      await new Promise<void>(resolve => {
        this.waiting = resolve
        setTimeout(resolve, 50)
      })
    }
    const r = this.replies.shift()
    return r && new XdrReader(r)
  }
}

/** reply_stat, then accept_stat (accepted) or reject_stat and its detail (denied). */
function status(r: XdrReader): { denied: boolean; stat: number; detail?: number } {
  r.u32() // xid
  r.u32() // REPLY
  if (r.u32() === 1) {
    const stat = r.u32()
    return { denied: true, stat, detail: r.u32() }
  }
  r.u32()
  r.opaque(400)
  return { denied: false, stat: r.u32() }
}

const root = { stamp: 0, machine: 'test', uid: 0, gid: 0, gids: [] }

describe('bad input from the network', () => {
  let repo: Repo<Uint8Array>
  let server: NfsServer
  let rootHandle: Uint8Array

  beforeAll(async () => {
    repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    await repo.branch('main').set(['a.txt'], new TextEncoder().encode('a'))
    server = await startNfsServer({ repo, port: 0, mountPort: 0 })
    const c = await Raw.open(server.mountPort)
    c.send(encodeCall(1, MOUNT_PROGRAM, 3, 1, w => void w.string('/export'), root))
    const r = (await c.reply())!
    expect(status(r)).toEqual({ denied: false, stat: 0 })
    expect(r.u32()).toBe(0)
    rootHandle = r.opaque(64).slice()
    c.socket.destroy()
  })

  afterAll(async () => {
    await server.close()
    await repo.close()
  })

  async function call(proc: number, args: (w: XdrWriter) => void, options: { prog?: number; vers?: number } = {}) {
    const c = await Raw.open(server.port)
    c.send(encodeCall(42, options.prog ?? NFS_PROGRAM, options.vers ?? 3, proc, args, root))
    const r = await c.reply()
    c.socket.destroy()
    return r
  }

  /** The server still answers a well-formed GETATTR on a fresh connection. */
  async function stillServing(): Promise<void> {
    const r = (await call(NFSPROC3.GETATTR, w => void w.opaque(rootHandle)))!
    expect(status(r)).toEqual({ denied: false, stat: 0 })
    expect(r.u32()).toBe(0) // NFS3_OK
  }

  it('unknown programs, versions and procedures get PROG_UNAVAIL, PROG_MISMATCH (3..3), PROC_UNAVAIL', async () => {
    expect(status((await call(0, () => {}, { prog: 123456 }))!)).toEqual({ denied: false, stat: 1 })
    const mismatch = (await call(0, () => {}, { vers: 2 }))!
    expect(status(mismatch)).toEqual({ denied: false, stat: 2 })
    expect([mismatch.u32(), mismatch.u32()]).toEqual([3, 3])
    expect(status((await call(99, () => {}))!)).toEqual({ denied: false, stat: 3 })
    await stillServing()
  })

  it('truncated arguments, huge lengths and bad enums get GARBAGE_ARGS', async () => {
    expect(status((await call(NFSPROC3.GETATTR, () => {}))!).stat).toBe(4)
    expect(status((await call(NFSPROC3.GETATTR, w => void w.u32(0x7fffffff)))!).stat).toBe(4)
    expect(status((await call(NFSPROC3.LOOKUP, w => void w.opaque(rootHandle).u32(1 << 30)))!).stat).toBe(4)
    const badStable = (w: XdrWriter) => void w.opaque(rootHandle).u64(0).u32(1).u32(9).opaque(new Uint8Array(1))
    expect(status((await call(NFSPROC3.WRITE, badStable))!).stat).toBe(4)
    expect(status((await call(NFSPROC3.MKNOD, w => void w.opaque(rootHandle).string('n').u32(42)))!).stat).toBe(4)
    await stillServing()
  })

  it('garbage and unsupported credentials are denied (AUTH_BADCRED, AUTH_TOOWEAK); bad RPC versions get RPC_MISMATCH', async () => {
    const c = await Raw.open(server.port)
    const good = encodeCall(5, NFS_PROGRAM, 3, 0, () => {}, root)
    const garbage = Buffer.from(good)
    garbage.writeUInt32BE(0xffffffff, 4 + 36) // in the AUTH_SYS body: a machine name 4 GiB long
    c.send(garbage)
    expect(status((await c.reply())!)).toEqual({ denied: true, stat: 1, detail: 1 })
    const gss = Buffer.from(encodeCall(6, NFS_PROGRAM, 3, 0, () => {}))
    gss.writeUInt32BE(6, 4 + 24) // flavor RPCSEC_GSS
    c.send(gss)
    expect(status((await c.reply())!)).toEqual({ denied: true, stat: 1, detail: 5 })
    const v9 = Buffer.from(encodeCall(7, NFS_PROGRAM, 3, 0, () => {}))
    v9.writeUInt32BE(9, 4 + 8)
    c.send(v9)
    expect(status((await c.reply())!)).toEqual({ denied: true, stat: 0, detail: 2 })
    c.send(good) // the same connection goes on
    expect(status((await c.reply())!)).toEqual({ denied: false, stat: 0 })
    c.socket.destroy()
  })

  it('a record split into fragments sent byte by byte is answered; a huge fragment closes only its connection', async () => {
    const c = await Raw.open(server.port)
    const call = encodeCall(9, NFS_PROGRAM, 3, NFSPROC3.GETATTR, w => void w.opaque(rootHandle), root).subarray(4)
    const pieces = [call.subarray(0, 10), call.subarray(10, 11), call.subarray(11)]
    const stream = Buffer.concat(
      pieces.flatMap((p, i) => {
        const mark = Buffer.alloc(4)
        mark.writeUInt32BE(((i === pieces.length - 1 ? 0x80000000 : 0) | p.length) >>> 0)
        return [mark, Buffer.from(p)]
      }),
    )
    for (const byte of stream) c.send(Buffer.from([byte]))
    expect(status((await c.reply())!)).toEqual({ denied: false, stat: 0 })
    const other = await Raw.open(server.port)
    c.send(Buffer.from([0xff, 0xff, 0xff, 0xff]))
    expect(await c.reply(3000)).toBeUndefined()
    expect(c.closed).toBe(true)
    other.send(encodeCall(10, NFS_PROGRAM, 3, 0, () => {}))
    expect(status((await other.reply())!)).toEqual({ denied: false, stat: 0 })
    other.socket.destroy()
    await stillServing()
  })

  it('MOUNT: EXPORT lists the export, MNT shows in DUMP, UMNT and UMNTALL take mounts out', async () => {
    const c = await Raw.open(server.mountPort)
    const mountCall = async (proc: number, args: (w: XdrWriter) => void = () => {}) => {
      c.send(encodeCall(proc, MOUNT_PROGRAM, 3, proc, args, { ...root, machine: 'dumper' }))
      const r = (await c.reply())!
      expect(status(r)).toEqual({ denied: false, stat: 0 })
      return r
    }
    const dump = async () => {
      const r = await mountCall(2)
      const mounts: string[] = []
      while (r.bool()) mounts.push(`${r.string(255)}:${r.string(1024)}`)
      return mounts
    }
    const exports = await mountCall(5)
    expect([exports.bool(), exports.string(1024), exports.bool(), exports.bool()]).toEqual([true, '/export', false, false])
    await mountCall(1, w => void w.string('/export'))
    expect(await dump()).toContain('dumper:/export')
    await mountCall(3, w => void w.string('/export'))
    expect(await dump()).not.toContain('dumper:/export')
    await mountCall(1, w => void w.string('/export'))
    await mountCall(4)
    expect(await dump()).not.toContain('dumper:/export')
    c.socket.destroy()
  })

  it('paths never leave the export: "..", "/" and NUL in names, and MNT outside the export', async () => {
    const lookup = async (name: string) => {
      const r = (await call(NFSPROC3.LOOKUP, w => void w.opaque(rootHandle).string(name)))!
      status(r)
      const nfsStatus = r.u32()
      return nfsStatus === 0 ? Buffer.from(r.opaque(64)).equals(Buffer.from(rootHandle)) : nfsStatus
    }
    expect(await lookup('..')).toBe(true) // the root's parent is the root
    expect(await lookup('../a.txt')).toBe(2)
    expect(await lookup('a.txt\0')).toBe(2)
    const create = async (name: string) => {
      const r = (await call(NFSPROC3.CREATE, w => void w.opaque(rootHandle).string(name).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0)))!
      status(r)
      return r.u32()
    }
    expect(await create('../escape')).toBe(22)
    expect(await create('a/b')).toBe(22)
    expect(await create('nul\0name')).toBe(22)
    expect(await create('..')).toBe(22)
    expect(await create('x'.repeat(256))).toBe(63)
    const c = await Raw.open(server.mountPort)
    for (const dir of ['/export/..', '/export/../etc', '/etc', '/exportx']) {
      c.send(encodeCall(3, MOUNT_PROGRAM, 3, 1, w => void w.string(dir), root))
      const r = (await c.reply())!
      expect(status(r).stat).toBe(0)
      expect(r.u32()).toBe(2) // MNT3ERR_NOENT
    }
    c.socket.destroy()
    expect(await repo.branch('main').list()).toEqual(['a.txt'])
  })
})
