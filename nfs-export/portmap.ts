/**
 * Registration with a running rpcbind, so clients that look ports up on port 111 (the Linux
 * kernel, qemu, gvfs) find the export. Through rpcbind's local socket (RPCBIND v4 SET/UNSET,
 * RFC 1833 §2) when there is one: there rpcbind knows the caller's uid, and root may replace
 * what another server registered; otherwise portmapper v2 over TCP port 111 (RFC 1833 §3),
 * which only registers programs nobody holds.
 */
import { existsSync } from 'node:fs'
import { connect, type NetConnectOpts } from 'node:net'
import { PortmapError } from './errors.js'
import { MOUNT_PROGRAM, MOUNT_V3, NFS_PROGRAM, NFS_V3 } from './nfs3-constants.js'
import { encodeCall, RecordDecoder, SUCCESS } from './rpc.js'
import { XdrReader, type XdrWriter } from './xdr.js'

const PMAP_PROGRAM = 100000
const PMAP_V2 = 2
const PMAPPROC_SET = 1
const PMAPPROC_UNSET = 2
const IPPROTO_TCP = 6
const RPCB_V4 = 4
const RPCBPROC_SET = 1
const RPCBPROC_UNSET = 2
const LOCAL_SOCKET = '/run/rpcbind.sock'

/** Registers NFS v3 and MOUNT v3; the returned function unregisters them. */
export async function registerWithRpcbind(nfsPort: number, mountPort: number, host = '127.0.0.1', port = 111, localSocket = LOCAL_SOCKET): Promise<() => Promise<void>> {
  const mappings: Array<[number, number, number]> = [
    [NFS_PROGRAM, NFS_V3, nfsPort],
    [MOUNT_PROGRAM, MOUNT_V3, mountPort],
  ]
  const local = existsSync(localSocket)
  const set = (prog: number, vers: number, p: number) =>
    local ? rpcbCall(localSocket, RPCBPROC_SET, prog, vers, universalAddress(host, p)) : pmapCall({ host, port }, PMAPPROC_SET, prog, vers, p)
  const unset = (prog: number, vers: number) => (local ? rpcbCall(localSocket, RPCBPROC_UNSET, prog, vers, '') : pmapCall({ host, port }, PMAPPROC_UNSET, prog, vers, 0))
  for (const [prog, vers] of mappings) await unset(prog, vers)
  for (const [prog, vers, p] of mappings) {
    if (!(await set(prog, vers, p))) throw new PortmapError(`rpcbind refused program ${prog} version ${vers} (another server holds it?)`)
  }
  return async () => {
    for (const [prog, vers] of mappings) await unset(prog, vers).catch(() => false)
  }
}

/** RFC 1833's universal address of a TCP/IPv4 endpoint: "h1.h2.h3.h4.p1.p2". */
function universalAddress(host: string, port: number): string {
  return `${host}.${port >> 8}.${port & 0xff}`
}

function rpcbCall(path: string, proc: number, prog: number, vers: number, addr: string): Promise<boolean> {
  return call({ path }, RPCB_V4, proc, w => void w.u32(prog).u32(vers).string('tcp').string(addr).string('superuser'))
}

function pmapCall(where: NetConnectOpts, proc: number, prog: number, vers: number, mappedPort: number): Promise<boolean> {
  return call(where, PMAP_V2, proc, w => void w.u32(prog).u32(vers).u32(IPPROTO_TCP).u32(mappedPort))
}

/** One call to rpcbind; resolves to its boolean answer. */
function call(where: NetConnectOpts, vers: number, proc: number, args: (w: XdrWriter) => void): Promise<boolean> {
  const name = 'path' in where ? where.path : `${where.host}:${where.port}`
  return new Promise((resolve, reject) => {
    const socket = connect(where)
    const decoder = new RecordDecoder(4096)
    const timer = setTimeout(() => socket.destroy(new PortmapError(`no answer from rpcbind at ${name}`)), 5000)
    socket.on('error', error => {
      clearTimeout(timer)
      reject(error instanceof PortmapError ? error : new PortmapError(`${name}: ${(error as Error).message} (is rpcbind running?)`))
    })
    socket.on('connect', () => {
      const auth = { stamp: 0, machine: 'localhost', uid: 0, gid: 0, gids: [] }
      socket.write(encodeCall(1, PMAP_PROGRAM, vers, proc, args, auth))
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
