/**
 * A large file's spool is flushed on the thread pool as it is written (every 16 MiB) and once
 * more while its commit hashes it. A flush that fails fails the commit: Linux reports a failed
 * writeback once, so a later flush could pass over lost bytes. `/dev/null` stands in for a
 * spool whose flush fails (fdatasync answers EINVAL there; writes and reads work).
 */
import { closeSync, openSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { ObjectSpool } from '../../core/backend.js'
import type { WriteTracking } from '../../core/gc-coordinator.js'
import type { ObjectStore } from '../../core/object-store.js'
import { FileBuffer } from '../../nfs-export/file-buffer.js'
import { SpoolBuffer } from '../../nfs-export/spool-buffer.js'

function nullSpool(): { spool: ObjectSpool; closed: () => boolean } {
  const fd = openSync('/dev/null', 'r+')
  let closed = false
  const spool: ObjectSpool = {
    path: '/dev/null',
    fd,
    bodyOffset: 0,
    adopt: async () => {},
    discard: () => {
      closed = true
      closeSync(fd)
    },
  }
  return { spool, closed: () => closed }
}

const objects = { adopt: async () => {} } as unknown as ObjectStore
const tracking = { release: () => {} } as unknown as WriteTracking

describe('spool flushes', () => {
  it('a flush that failed while the file was written fails its commit', async () => {
    const { spool } = nullSpool()
    const buffer = SpoolBuffer.from(spool, new FileBuffer(new Uint8Array(0), '100644'))
    buffer.write(0, new Uint8Array(17 << 20)) // past 16 MiB: a background flush starts (and fails)
    await expect(buffer.store(objects, tracking)).rejects.toThrow(/could not be flushed to disk: .*EINVAL/)
    buffer.dispose()
  })

  it('a small spool is flushed at its commit, and a failure there fails it too', async () => {
    const { spool } = nullSpool()
    const buffer = SpoolBuffer.from(spool, new FileBuffer(new Uint8Array(0), '100644'))
    buffer.write(0, new Uint8Array(1000))
    await expect(buffer.store(objects, tracking)).rejects.toThrow(/EINVAL/)
    buffer.dispose()
  })

  it('a spool disposed of during a flush keeps its descriptor until the flush ends', async () => {
    const { spool, closed } = nullSpool()
    const buffer = SpoolBuffer.from(spool, new FileBuffer(new Uint8Array(0), '100644'))
    buffer.write(0, new Uint8Array(17 << 20))
    buffer.dispose()
    expect(closed()).toBe(false)
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(closed()).toBe(true)
  })
})
