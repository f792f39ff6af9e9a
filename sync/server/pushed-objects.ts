/**
 * Where a push's objects go as they arrive, for the sync push (push-receive.ts) and git's
 * receive-pack (git-protocol/server/receive-pack.ts) alike: each is checked (its hash and that it
 * is a well-formed git object, `checkObject`), counted against the push bounds, and handed to the
 * store through the push's `WriteHold`, so garbage collection keeps it until the push ends.
 * Every FLUSH_BYTES the intake waits for the backend (backpressure: the request is not read on
 * meanwhile). What arrived and checked is stored whatever happens next.
 */
import { checkObject } from '../../core/fsck.js'
import type { Repo } from '../../core/index.js'
import { ArrivedObjects } from '../../core/remember-arrived.js'
import type { WriteHold } from '../../core/write-hold.js'
import { BadRequestError, TooLargeError } from '../errors.js'
import type { SyncLimits } from './limits.js'

/** Bytes of objects handed to the backend before reading on waits for them to be stored. */
const FLUSH_BYTES = 8 * 1024 * 1024

export class PushedObjects {
  private readonly writer
  // The closure check and the fast-forward test read the pushed commits and trees right after.
  private readonly arrived: ArrivedObjects
  objects = 0
  bytes = 0
  private pending = 0

  constructor(
    repo: Repo<Uint8Array>,
    hold: WriteHold<Uint8Array>,
    private readonly limits: Pick<SyncLimits, 'pushObjects' | 'pushBytes'>,
  ) {
    this.writer = hold.writer()
    this.arrived = new ArrivedObjects(repo.objects)
    this.repo = repo
  }

  private readonly repo: Repo<Uint8Array>

  /** Checks and stores one object (framed); `BadRequestError` / `TooLargeError` refuse it. */
  async add(id: string, framed: Uint8Array): Promise<void> {
    const problem = checkObject(this.repo.objects, id, framed)
    if (problem !== undefined) throw new BadRequestError(`not a valid git object: ${problem}`)
    this.objects++
    this.bytes += framed.length
    if (this.objects > this.limits.pushObjects) throw new TooLargeError('a push', this.objects, this.limits.pushObjects, 'objects')
    if (this.bytes > this.limits.pushBytes) throw new TooLargeError('a push', this.bytes, this.limits.pushBytes)
    this.writer.add(id, framed)
    this.arrived.add(id, framed)
    this.pending += framed.length
    if (this.pending >= FLUSH_BYTES) await this.finish()
  }

  /** Waits until everything added is stored. */
  async finish(): Promise<void> {
    await this.writer.finish()
    this.arrived.stored()
    this.pending = 0
  }
}
