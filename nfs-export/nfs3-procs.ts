/** What every NFSv3 procedure shares: reading handles and names, and answering with a status. */
import type { ProcedureResult } from './rpc-server.js'
import { NfsStatusError } from './errors.js'
import { MNTPATHLEN, NFS3_FHSIZE, NFS3_OK } from './nfs3-constants.js'
import type { NfsExport, Resolved } from './nfs3-export.js'
import { ROOT_ID } from './handles.js'
import type { XdrReader, XdrWriter } from './xdr.js'

export const readHandle = (r: XdrReader): Uint8Array => r.opaque(NFS3_FHSIZE)
export const readName = (r: XdrReader): string => r.string(MNTPATHLEN)

export function ok(body: (w: XdrWriter) => void, size?: number): ProcedureResult {
  return { write: w => body(w.u32(NFS3_OK)), size }
}

/** A success whose results end with opaque `tail` (written by `body` up to its length). */
export function okWithTail(body: (w: XdrWriter) => void, tail: Uint8Array, sent?: () => void): ProcedureResult {
  return { write: w => body(w.u32(NFS3_OK)), tail, sent }
}

/**
 * Runs a procedure's work; an `NfsStatusError` becomes that status followed by `failWords` zero
 * words (empty post_op_attr / wcc_data: "no attributes", which RFC 1813 always allows).
 */
export async function guarded(failWords: number, work: () => Promise<ProcedureResult>): Promise<ProcedureResult> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof NfsStatusError)) throw error
    return {
      write: w => {
        w.u32(error.status)
        for (let i = 0; i < failWords; i++) w.u32(0)
      },
    }
  }
}

/** wcc_data without before-attributes (clients then just refresh). */
export function writeWcc(x: NfsExport, w: XdrWriter, after: Resolved | undefined): void {
  w.bool(false)
  x.writePostOp(w, after)
}

/** The id of the node at `path`, derived from the root down. */
export function idOfPath(x: NfsExport, path: string[]): bigint {
  let id = ROOT_ID
  for (const name of path) id = x.handles.childId(id, name)
  return id
}
