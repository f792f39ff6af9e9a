/**
 * MOUNT v3 (RFC 1813 appendix I): hands out the root handle of the one export, and lists it.
 * The mount list (DUMP) is informational, as on every server: it is kept in memory.
 */
import { MNT3_OK, MNT3ERR_NOENT, MNTPATHLEN, MOUNT_PROGRAM, MOUNT_V3, MOUNTPROC3 } from './nfs3-constants.js'
import { AUTH_SYS, type RpcCall } from './rpc.js'
import type { Procedure, RpcProgram } from './rpc-server.js'

/**
 * `handleOf(steps)`: the handle of the directory at `steps` under the export (undefined: none).
 * Clients mount the export or any directory in it (libnfs mounts a file's directory).
 */
export function mountProgram(exportPath: string, handleOf: (steps: string[]) => Promise<Uint8Array | undefined>): RpcProgram {
  const mounts = new Map<string, { host: string; dir: string }>()
  const clientOf = (call: RpcCall) => call.auth?.machine ?? 'unknown'
  const root = exportPath.replace(/\/+$/, '')
  /** The steps below the export, or undefined when `dir` is not in it. */
  const stepsOf = (dir: string): string[] | undefined => {
    const clean = dir.replace(/\/+$/, '')
    if (clean === root) return []
    if (!clean.startsWith(`${root}/`)) return undefined
    const steps = clean.slice(root.length + 1).split('/').filter(s => s !== '')
    return steps.some(s => s === '.' || s === '..') ? undefined : steps
  }
  const procs: Array<[number, Procedure]> = [
    [MOUNTPROC3.NULL, () => ({ write: () => {} })],
    [
      MOUNTPROC3.MNT,
      async call => {
        const dir = call.args.string(MNTPATHLEN)
        const steps = stepsOf(dir)
        const handle = steps && (await handleOf(steps))
        if (!handle) return { write: w => void w.u32(MNT3ERR_NOENT) }
        const host = clientOf(call)
        mounts.set(`${host}\0${dir}`, { host, dir })
        return { write: w => void w.u32(MNT3_OK).opaque(handle).u32(1).u32(AUTH_SYS) }
      },
    ],
    [
      MOUNTPROC3.DUMP,
      () => ({
        write: w => {
          for (const m of mounts.values()) w.bool(true).string(m.host).string(m.dir)
          w.bool(false)
        },
      }),
    ],
    [
      MOUNTPROC3.UMNT,
      call => {
        const dir = call.args.string(MNTPATHLEN)
        mounts.delete(`${clientOf(call)}\0${dir}`)
        return { write: () => {} }
      },
    ],
    [
      MOUNTPROC3.UMNTALL,
      call => {
        const host = clientOf(call)
        for (const [k, m] of mounts) if (m.host === host) mounts.delete(k)
        return { write: () => {} }
      },
    ],
    [MOUNTPROC3.EXPORT, () => ({ write: w => void w.bool(true).string(exportPath).bool(false).bool(false) })],
  ]
  return { prog: MOUNT_PROGRAM, vers: MOUNT_V3, procs: new Map(procs) }
}
