/**
 * Registration with a running rpcbind (portmapper v2 SET/UNSET, RFC 1833 §3) over TCP on port
 * 111, so clients that look ports up there (the Linux kernel, qemu, gvfs) find the export.
 */
import { connect } from 'node:net'
import { PortmapError } from './errors.js'
import { MOUNT_PROGRAM, MOUNT_V3, NFS_PROGRAM, NFS_V3 } from './nfs3-constants.js'
import { encodeCall, RecordDecoder, SUCCESS } from './rpc.js'
import { XdrReader } from './xdr.js'

const PMAP_PROGRAM = 100000
const PMAP_V2 = 2
const PMAPPROC_SET = 1
const PMAPPROC_UNSET = 2
const IPPROTO_TCP = 6

/** Registers NFS v3 and MOUNT v3; the returned function unregisters them. */
export async function registerWithRpcbind(nfsPort: number, mountPort: number, host = '127.0.0.1', port = 111): Promise<() => Promise<void>> {
  const mappings: Array<[number, number, number]> = [
    [NFS_PROGRAM, NFS_V3, nfsPort],
    [MOUNT_PROGRAM, MOUNT_V3, mountPort],
  ]
  for (const [prog, vers] of mappings) await pmapCall(host, port, PMAPPROC_UNSET, prog, vers, 0)
  for (const [prog, vers, p] of mappings) {
    if (!(await pmapCall(host, port, PMAPPROC_SET, prog, vers, p))) throw new PortmapError(`rpcbind refused program ${prog} version ${vers}`)
  }
  return async () => {
    for (const [prog, vers] of mappings) await pmapCall(host, port, PMAPPROC_UNSET, prog, vers, 0).catch(() => false)
  }
}

function pmapCall(host: string, port: number, proc: number, prog: number, vers: number, mappedPort: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    const decoder = new RecordDecoder(4096)
    const timer = setTimeout(() => socket.destroy(new PortmapError(`no answer from ${host}:${port}`)), 5000)
    socket.on('error', error => {
      clearTimeout(timer)
      reject(error instanceof PortmapError ? error : new PortmapError(`${host}:${port}: ${(error as Error).message} (is rpcbind running?)`))
    })
    socket.on('connect', () => {
      const auth = { stamp: 0, machine: 'localhost', uid: 0, gid: 0, gids: [] }
      socket.write(encodeCall(1, PMAP_PROGRAM, PMAP_V2, proc, w => void w.u32(prog).u32(vers).u32(IPPROTO_TCP).u32(mappedPort), auth))
    })
    socket.on('data', chunk => {
      const [record] = decoder.push(chunk)
      if (!record) return
      clearTimeout(timer)
      socket.end()
      const r = new XdrReader(record)
      r.u32() // xid
      r.u32() // REPLY
      if (r.u32() !== 0) return reject(new PortmapError('rpcbind denied the call'))
      r.u32()
      r.opaque(400)
      if (r.u32() !== SUCCESS) return reject(new PortmapError('rpcbind did not accept the call'))
      resolve(r.bool())
    })
  })
}
