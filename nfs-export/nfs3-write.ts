/**
 * NFSv3 procedures that change the tree. UNSTABLE writes go to the working tree and are committed
 * by the next COMMIT or FILE_SYNC/DATA_SYNC WRITE, or after the idle delay (a client that lost
 * them to a crash sees the write verifier change and sends them again). Every other change is
 * on stable storage before its reply, as RFC 1813 asks: the client does not repeat those, so an
 * acknowledged one must survive a crash. A CREATE of a new empty file is written to the create
 * journal (create-journal.ts: one small fdatasync) and enters history with the next commit —
 * typically the file's own COMMIT, so saving a small file is one commit, itself made durable by
 * a journal record of the file's bytes (durability.ts); SETATTR, MKDIR, SYMLINK, REMOVE, RMDIR,
 * RENAME (and a CREATE that truncates or sets a size) commit before replying.
 * MKNOD and LINK decode their arguments and answer NOTSUPP (git has neither).
 */
import { NfsStatusError } from './errors.js'
import {
  EXCLUSIVE, FILE_SYNC, MAX_IO, NFS3ERR_EXIST, NFS3ERR_INVAL, NFS3ERR_ISDIR, NFS3ERR_NOT_SYNC, NFS3ERR_NOTSUPP,
  NFS3ERR_ROFS, NFSPROC3, UNCHECKED, UNSTABLE,
} from './nfs3-constants.js'
import { checkName, type NfsExport, type Resolved } from './nfs3-export.js'
import { guarded, ok, readHandle, readName, writeWcc } from './nfs3-procs.js'
import type { Procedure, ProcedureResult } from './rpc-server.js'
import type { XdrReader } from './xdr.js'
import { EXEC_MODE, FILE_MODE } from './tree-view.js'

interface Sattr {
  mode?: number
  size?: bigint
  atime?: number | 'now'
  mtime?: number | 'now'
}

function readTimeSet(r: XdrReader): number | 'now' | undefined {
  const how = r.enumOf(2, 'time_how')
  if (how === 0) return undefined
  if (how === 1) return 'now'
  return r.u32() * 1000 + Math.floor(r.u32() / 1_000_000)
}

export function readSattr(r: XdrReader): Sattr {
  const s: Sattr = {}
  if (r.bool()) s.mode = r.u32()
  if (r.bool()) r.u32() // uid: git keeps no owners
  if (r.bool()) r.u32() // gid
  if (r.bool()) s.size = r.u64()
  const atime = readTimeSet(r)
  const mtime = readTimeSet(r)
  if (atime !== undefined) s.atime = atime
  if (mtime !== undefined) s.mtime = mtime
  return s
}

function readDirop(r: XdrReader): { dir: Uint8Array; name: string } {
  return { dir: readHandle(r), name: readName(r) }
}

export function writeProcedures(x: NfsExport): Array<[number, Procedure]> {
  /** The directory and the new node's name, refusing at once on a read-only export. */
  const target = async (dirFh: Uint8Array, name: string): Promise<{ dir: Resolved; path: string[] }> => {
    const dir = await x.resolveDir(dirFh)
    if (x.wt.readOnly) throw new NfsStatusError(NFS3ERR_ROFS, 'read-only export')
    checkName(name)
    return { dir, path: [...dir.path, name] }
  }

  /** The reply of CREATE, MKDIR and SYMLINK: the new handle, its attributes, the directory's wcc. */
  const created = async (dir: Resolved, name: string): Promise<ProcedureResult> => {
    const node = await x.child(dir, name)
    x.touch(node!.id, dir.id)
    return ok(w => {
      x.writePostOpHandle(w, node!.id)
      x.writePostOp(w, node)
      writeWcc(x, w, dir)
    })
  }

  const applySattr = async (r: Resolved, s: Sattr): Promise<void> => {
    if (s.size !== undefined) {
      if (r.node.kind === 'dir') throw new NfsStatusError(NFS3ERR_ISDIR, r.path.join('/'))
      if (r.node.kind === 'symlink') throw new NfsStatusError(NFS3ERR_INVAL, 'a symbolic link has no size to set')
      await x.wt.setSize(r.path, Number(s.size))
      x.touch(r.id)
    }
    if (s.mode !== undefined) await x.wt.setExecutable(r.path, (s.mode & 0o111) !== 0)
    const now = Date.now()
    const time = (t: number | 'now' | undefined) => (t === 'now' ? now : t)
    if (s.atime !== undefined || s.mtime !== undefined) x.setTimes(r.id, time(s.atime), time(s.mtime))
  }

  /** EXCLUSIVE CREATE verifiers, so that a retransmitted create succeeds (by node id). */
  const exclusive = new Map<bigint, string>()

  /** REMOVE and RMDIR: the name goes, committed before the reply; its handle is forgotten. */
  function removal(proc: number, remove: (path: string[]) => Promise<void>): [number, Procedure] {
    return [
      proc,
      async call => {
        const { dir: dirFh, name } = readDirop(call.args)
        return guarded(2, async () => {
          const { dir, path } = await target(dirFh, name)
          const node = await x.child(dir, name)
          await remove(path)
          await x.wt.flush(true)
          if (node) x.handles.forget(node.id)
          x.touch(dir.id)
          return ok(w => writeWcc(x, w, dir))
        })
      },
    ]
  }
  return [
    [
      NFSPROC3.SETATTR,
      async call => {
        const fh = readHandle(call.args)
        const s = readSattr(call.args)
        const check = call.args.bool()
        const guard = check ? call.args.u32() : undefined
        if (check) call.args.u32()
        return guarded(2, async () => {
          const r = await x.resolve(fh)
          if (x.wt.readOnly) throw new NfsStatusError(NFS3ERR_ROFS, 'read-only export')
          if (guard !== undefined && guard !== Math.floor(x.timesOf(r.id, r.committed).ctime / 1000)) throw new NfsStatusError(NFS3ERR_NOT_SYNC, 'ctime changed')
          await applySattr(r, s)
          await x.wt.flush()
          return ok(w => writeWcc(x, w, { ...r, node: r.node }))
        })
      },
    ],
    [
      NFSPROC3.WRITE,
      async call => {
        const fh = readHandle(call.args)
        const offset = call.args.u64()
        call.args.u32() // count: the data's own length is what is written
        const stable = call.args.enumOf(2, 'stable_how')
        const data = call.args.opaque(MAX_IO)
        return guarded(2, async () => {
          const r = await x.resolve(fh)
          if (r.node.kind === 'dir') throw new NfsStatusError(NFS3ERR_ISDIR, r.path.join('/'))
          await x.wt.write(r.path, Number(offset), data)
          x.touch(r.id)
          if (stable !== UNSTABLE) await x.wt.flush()
          const after = await x.again(r)
          return ok(w => {
            writeWcc(x, w, after)
            w.u32(data.length).u32(stable === UNSTABLE ? UNSTABLE : FILE_SYNC).fixed(x.wt.verifier)
          })
        })
      },
    ],
    [
      NFSPROC3.CREATE,
      async call => {
        const { dir: dirFh, name } = readDirop(call.args)
        const how = call.args.enumOf(2, 'createmode3')
        const s = how === EXCLUSIVE ? undefined : readSattr(call.args)
        const verf = how === EXCLUSIVE ? Buffer.from(call.args.fixed(8)).toString('hex') : undefined
        return guarded(2, async () => {
          const { dir, path } = await target(dirFh, name)
          const existing = await x.child(dir, name)
          if (existing && how === EXCLUSIVE && exclusive.get(existing.id) === verf) return created(dir, name)
          if (existing && how !== UNCHECKED) throw new NfsStatusError(NFS3ERR_EXIST, path.join('/'))
          if (existing?.node.kind === 'dir') throw new NfsStatusError(NFS3ERR_ISDIR, path.join('/'))
          if (!existing && (s?.size ?? 0n) === 0n) {
            // A new empty file: durable on its own (journaled), its times kept here.
            await x.wt.create(path, true, true, s?.mode !== undefined && (s.mode & 0o111) !== 0 ? EXEC_MODE : FILE_MODE)
            const node = (await x.child(dir, name))!
            if (verf !== undefined) exclusive.set(node.id, verf)
            if (s) await applySattr(node, { atime: s.atime, mtime: s.mtime })
            return created(dir, name)
          }
          if (existing) {
            if (s?.size !== undefined) await x.wt.setSize(path, Number(s.size))
          } else await x.wt.create(path, true)
          const node = (await x.child(dir, name))!
          if (verf !== undefined) exclusive.set(node.id, verf)
          if (s) await applySattr(node, { ...s, size: existing ? undefined : s.size })
          await x.wt.flush()
          return created(dir, name)
        })
      },
    ],
    [
      NFSPROC3.MKDIR,
      async call => {
        const { dir: dirFh, name } = readDirop(call.args)
        readSattr(call.args)
        return guarded(2, async () => {
          const { dir, path } = await target(dirFh, name)
          await x.wt.mkdir(path)
          await x.wt.flush()
          return created(dir, name)
        })
      },
    ],
    [
      NFSPROC3.SYMLINK,
      async call => {
        const { dir: dirFh, name } = readDirop(call.args)
        readSattr(call.args)
        const to = call.args.string(4096)
        return guarded(2, async () => {
          const { dir, path } = await target(dirFh, name)
          await x.wt.symlink(path, to)
          await x.wt.flush()
          return created(dir, name)
        })
      },
    ],
    [
      NFSPROC3.MKNOD,
      async call => {
        readDirop(call.args)
        const type = call.args.enumOf(7, 'ftype3')
        if (type === 3 || type === 4) {
          readSattr(call.args)
          call.args.u32()
          call.args.u32()
        } else if (type === 6 || type === 7) readSattr(call.args)
        return guarded(2, async () => {
          throw new NfsStatusError(NFS3ERR_NOTSUPP, 'git trees hold no device nodes, sockets or FIFOs')
        })
      },
    ],
    removal(NFSPROC3.REMOVE, path => x.wt.remove(path)),
    removal(NFSPROC3.RMDIR, path => x.wt.rmdir(path)),
    [
      NFSPROC3.RENAME,
      async call => {
        const from = readDirop(call.args)
        const to = readDirop(call.args)
        return guarded(4, async () => {
          const source = await target(from.dir, from.name)
          const dest = await target(to.dir, to.name)
          const node = await x.child(source.dir, from.name)
          await x.wt.rename(source.path, dest.path)
          await x.wt.flush(true)
          if (node && x.handles.moved(node.id, dest.dir.id, to.name)) await x.saveHandles()
          x.touch(source.dir.id, dest.dir.id)
          return ok(w => {
            writeWcc(x, w, source.dir)
            writeWcc(x, w, dest.dir)
          })
        })
      },
    ],
    [
      NFSPROC3.LINK,
      async call => {
        readHandle(call.args)
        readDirop(call.args)
        return guarded(3, async () => {
          throw new NfsStatusError(NFS3ERR_NOTSUPP, 'git trees have no hard links')
        })
      },
    ],
    [
      NFSPROC3.COMMIT,
      async call => {
        const fh = readHandle(call.args)
        call.args.u64()
        call.args.u32()
        return guarded(2, async () => {
          const r = await x.resolve(fh)
          await x.wt.stabilize()
          const after = await x.again(r)
          return ok(w => {
            writeWcc(x, w, after)
            w.fixed(x.wt.verifier)
          })
        })
      },
    ],
  ]
}
