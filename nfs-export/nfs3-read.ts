/** NFSv3 procedures that only read: GETATTR, LOOKUP, ACCESS, READLINK, READ, READDIR(PLUS), FSSTAT, FSINFO, PATHCONF. */
import { NfsStatusError } from './errors.js'
import {
  ACCESS_DELETE, ACCESS_EXTEND, ACCESS_MODIFY, FSF3_CANSETTIME, FSF3_HOMOGENEOUS, FSF3_SYMLINK, MAX_IO,
  NFS3ERR_BAD_COOKIE, NFS3ERR_INVAL, NFS3ERR_ISDIR, NFS3ERR_NOENT, NFS3_MAXNAMLEN, NFSPROC3,
} from './nfs3-constants.js'
import { checkName, type NfsExport, type Resolved } from './nfs3-export.js'
import { guarded, idOfPath, ok, okWithTail, readHandle, readName } from './nfs3-procs.js'
import type { Procedure } from './rpc-server.js'
import type { XdrReader } from './xdr.js'

const NFS3ERR_TOOSMALL = 10005

/** READ buffers kept for reuse (per export). */
const READ_BUFFERS = 4

export function readProcedures(x: NfsExport): Array<[number, Procedure]> {
  /**
   * Buffers READ replies lend their data from until sent: a spooled file is read into one, not
   * into fresh memory (its page faults cost more than the copy: a 100 MB read spent 260 of its
   * 330 ms in read(2)).
   */
  const readBuffers: Buffer[] = []
  return [
    [NFSPROC3.NULL, () => ({ write: () => {} })],
    [
      NFSPROC3.GETATTR,
      async call => {
        const fh = readHandle(call.args)
        return guarded(0, async () => {
          const r = await x.resolve(fh)
          return ok(w => x.writeAttrs(w, r))
        })
      },
    ],
    [
      NFSPROC3.LOOKUP,
      async call => {
        const fh = readHandle(call.args)
        const name = readName(call.args)
        return guarded(1, async () => {
          const dir = await x.resolveDir(fh)
          const found = await lookup(x, dir, name)
          return ok(w => {
            x.handles.writeTo(w, found.id)
            x.writePostOp(w, found)
            x.writePostOp(w, dir)
          })
        })
      },
    ],
    [
      NFSPROC3.ACCESS,
      async call => {
        const fh = readHandle(call.args)
        const asked = call.args.u32()
        return guarded(1, async () => {
          const r = await x.resolve(fh)
          const granted = x.wt.readOnly ? asked & ~(ACCESS_MODIFY | ACCESS_EXTEND | ACCESS_DELETE) : asked
          return ok(w => {
            x.writePostOp(w, r)
            w.u32(granted)
          })
        })
      },
    ],
    [
      NFSPROC3.READLINK,
      async call => {
        const fh = readHandle(call.args)
        return guarded(1, async () => {
          const r = await x.resolve(fh)
          if (r.node.kind !== 'symlink') throw new NfsStatusError(NFS3ERR_INVAL, 'not a symbolic link')
          const target = await x.wt.readlink(r.path)
          return ok(w => {
            x.writePostOp(w, r)
            w.string(target)
          })
        })
      },
    ],
    [
      NFSPROC3.READ,
      async call => {
        const fh = readHandle(call.args)
        const offset = call.args.u64()
        const count = Math.min(call.args.u32(), MAX_IO)
        return guarded(1, async () => {
          const r = await x.resolve(fh)
          if (r.node.kind === 'dir') throw new NfsStatusError(NFS3ERR_ISDIR, r.path.join('/'))
          const scratch = readBuffers.pop() ?? Buffer.allocUnsafeSlow(MAX_IO)
          const giveBack = () => void (readBuffers.length < READ_BUFFERS && readBuffers.push(scratch))
          const { data, eof } = await x.wt.read(r.path, Number(offset), count, scratch).catch(error => {
            giveBack()
            throw error
          })
          return okWithTail(
            w => {
              x.writePostOp(w, r)
              w.u32(data.length).bool(eof).u32(data.length)
            },
            data,
            giveBack,
          )
        })
      },
    ],
    [NFSPROC3.READDIR, call => readdir(x, call.args, false)],
    [NFSPROC3.READDIRPLUS, call => readdir(x, call.args, true)],
    [
      NFSPROC3.FSSTAT,
      async call => {
        const fh = readHandle(call.args)
        return guarded(1, async () => {
          const r = await x.resolve(fh)
          const big = 1n << 50n
          return ok(w => {
            x.writePostOp(w, r)
            w.u64(big).u64(big).u64(big).u64(1n << 32n).u64(1n << 32n).u64(1n << 32n).u32(0)
          })
        })
      },
    ],
    [
      NFSPROC3.FSINFO,
      async call => {
        const fh = readHandle(call.args)
        return guarded(1, async () => {
          const r = await x.resolve(fh)
          return ok(w => {
            x.writePostOp(w, r)
            w.u32(MAX_IO).u32(MAX_IO).u32(4096).u32(MAX_IO).u32(MAX_IO).u32(4096).u32(64 * 1024)
            w.u64(x.wt.maxFileSize).u32(0).u32(1_000_000)
            w.u32(FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME)
          })
        })
      },
    ],
    [
      NFSPROC3.PATHCONF,
      async call => {
        const fh = readHandle(call.args)
        return guarded(1, async () => {
          const r = await x.resolve(fh)
          return ok(w => {
            x.writePostOp(w, r)
            w.u32(1).u32(NFS3_MAXNAMLEN).bool(true).bool(true).bool(false).bool(true)
          })
        })
      },
    ],
  ]
}

async function lookup(x: NfsExport, dir: Resolved, name: string): Promise<Resolved> {
  if (name === '.') return dir
  if (name === '..') {
    const path = dir.path.slice(0, -1)
    return x.dated({ id: idOfPath(x, path), path, node: (await x.wt.stat(path))! })
  }
  if (name === '' || name.includes('/') || name.includes('\0')) throw new NfsStatusError(NFS3ERR_NOENT, name)
  checkName(name)
  const found = await x.child(dir, name)
  if (!found) throw new NfsStatusError(NFS3ERR_NOENT, [...dir.path, name].join('/'))
  return found
}

/** READDIR and READDIRPLUS: cookie n resumes after the n-th name (sorted); the verifier names the listing. */
async function readdir(x: NfsExport, args: XdrReader, plus: boolean) {
  const fh = readHandle(args)
  const cookie = args.u64()
  const verifier = args.fixed(8)
  const dircount = args.u32()
  const maxcount = plus ? args.u32() : dircount
  return guarded(1, async () => {
    const dir = await x.resolveDir(fh)
    const { names, verifier: current } = await x.listing(dir.path, Number(cookie))
    if (cookie !== 0n && verifier.some(b => b !== 0) && !verifier.every((b, i) => b === current[i])) {
      throw new NfsStatusError(NFS3ERR_BAD_COOKIE, 'the directory changed since the cookie was given')
    }
    if (cookie > BigInt(names.length)) throw new NfsStatusError(NFS3ERR_BAD_COOKIE, `cookie ${cookie} past the end`)
    // Which names fit depends on the names alone; then their nodes load together (one batch).
    const chosen: number[] = []
    let size = 128
    let dirSize = 0
    let index = Number(cookie)
    for (; index < names.length; index++) {
      const padded = (Buffer.byteLength(names[index]) + 3) & ~3
      const entrySize = 24 + padded + (plus ? 8 + 84 + 4 + 4 + 16 : 0)
      if (size + entrySize > maxcount || (plus && dirSize + 24 + padded > dircount)) break
      chosen.push(index)
      size += entrySize
      dirSize += 24 + padded
    }
    const children = await x.children(dir, chosen.map(i => names[i]))
    const entries: Array<{ r: Resolved; cookie: bigint }> = []
    children.forEach((child, k) => child && entries.push({ r: child, cookie: BigInt(chosen[k] + 1) }))
    if (entries.length === 0 && index < names.length) throw new NfsStatusError(NFS3ERR_TOOSMALL, 'count too small for one entry')
    const eof = index >= names.length
    return ok(w => {
      x.writePostOp(w, dir)
      w.fixed(current)
      for (const e of entries) {
        w.bool(true).u64(e.r.id).string(e.r.path[e.r.path.length - 1]).u64(e.cookie)
        if (plus) {
          x.writePostOp(w, e.r)
          x.writePostOpHandle(w, e.r.id)
        }
      }
      w.bool(false).bool(eof)
    }, size)
  })
}
