/**
 * Garbage collection with writers in other processes, on other machines.
 *
 * The core's argument (core/gc.ts) covers writers that share this backend object: their pins
 * and their written objects are in the collector's journal. Writers elsewhere are invisible to
 * it, so this backend adds, through `retained` and `beginDeletions`:
 *
 * 1. One collector at a time: the collection holds a session advisory lock from `retained` to
 *    `release`. (Two collectors would each write the history boundary record, and one could
 *    drop the other's; a second waits for the first instead.)
 * 2. A grace period, measured by the database clock: an object put (or put again: a re-put
 *    freshens `written_at`, at most a second stale) after `cutoff` is never deleted. The
 *    condition sits in the DELETE statement itself, so a put racing the deletion is decided by
 *    the row lock: the put waits for the delete and inserts anew, or the delete re-checks the
 *    freshened row and spares it.
 * 3. What refs named within the grace period: a move logs the value it replaced (`ref_log`, in
 *    the move's own statement), and the collection marks from every value logged after `cutoff`.
 * 4. Pins in the `pins` table (any process, `PostgresBackend.pin`), marked from until they expire.
 *
 * Why that suffices, for a write in another process that finishes within the grace period: it
 * builds from commits it read from a ref (named by the ref, so marked by the last look, or
 * replaced after the read, so logged after `cutoff`: 3) or pinned (4); the objects it writes are
 * young (2); every object it names is one of those or reached from them. A ref it moves names
 * its own young commit. So nothing a ref names at the end, and nothing written during the
 * collection, is deleted. A write slower than the grace period, or a ref created at a commit no
 * ref named within it, is not covered (as in git): choose the grace period longer than writes.
 */
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import type { Deletions, Retained } from '../../core/backend.js'
import { GC_LOCK, ident, LOCK_SPACE, lockKey } from './schema.js'

type Fail = (what: string, error: unknown) => Error

export class Collector {
  /** While a collection runs: objects written after this are young. */
  cutoff: Date | undefined
  private young = new Set<string>()
  private lockClient: pg.PoolClient | undefined
  private readonly owner = randomBytes(8).toString('hex')
  private readonly s: string

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly graceMs: number,
    private readonly fail: Fail,
  ) {
    this.s = ident(schema)
  }

  /** Called while listing objects during a collection. */
  noteYoung(id: string): void {
    this.young.add(id)
  }

  async begin(pruneExpire: Date | undefined): Promise<Retained> {
    const client = await this.pool.connect().catch(error => {
      throw this.fail('gc', error)
    })
    try {
      await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_SPACE, lockKey(this.schema, GC_LOCK)])
      const now = (await client.query<{ now: Date }>('SELECT now() AS now')).rows[0].now
      const cutoff = pruneExpire ?? new Date(now.getTime() - this.graceMs)
      // Old log entries and expired pins protect nothing any more.
      await client.query(`DELETE FROM ${this.s}.ref_log WHERE replaced_at < $1`, [cutoff])
      await client.query(`DELETE FROM ${this.s}.pins WHERE expires_at < now()`)
      const roots = await client.query<{ id: Buffer }>({
        text: `SELECT DISTINCT id FROM (SELECT id FROM ${this.s}.ref_log WHERE replaced_at >= $1 UNION ALL SELECT id FROM ${this.s}.pins) AS r`,
        values: [cutoff],
      })
      this.cutoff = cutoff
      this.young = new Set()
      this.lockClient = client
      const young = this.young
      return {
        roots: roots.rows.map(row => row.id.toString('hex')),
        young: ids => ids.map(id => young.has(id)),
        release: () => this.end(client),
      }
    } catch (error) {
      await this.unlock(client)
      throw this.fail('gc', error)
    }
  }

  private end(client: pg.PoolClient): void {
    if (this.lockClient !== client) return
    this.lockClient = undefined
    this.cutoff = undefined
    this.young = new Set()
    void this.unlock(client)
  }

  private async unlock(client: pg.PoolClient): Promise<void> {
    try {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_SPACE, lockKey(this.schema, GC_LOCK)])
      client.release()
    } catch (error) {
      client.release(error as Error) // a broken connection: its session, and lock, are gone
    }
  }

  /** Deletions of a collection spare what was put after the cutoff (2); outside one, as `deleteObjects`. */
  deletions(): Deletions {
    const cutoff = this.cutoff
    return {
      delete: async ids => {
        const bytes = ids.map(id => Buffer.from(id, 'hex'))
        try {
          if (cutoff) await this.pool.query(`DELETE FROM ${this.s}.objects WHERE id = ANY($1::bytea[]) AND written_at <= $2`, [bytes, cutoff])
          else await this.pool.query(`DELETE FROM ${this.s}.objects WHERE id = ANY($1::bytea[])`, [bytes])
        } catch (error) {
          throw this.fail('gc', error)
        }
      },
      finish: async () => {},
    }
  }

  async pin(ids: readonly string[], ttlMs: number): Promise<() => Promise<void>> {
    const owner = `${this.owner}-${randomBytes(4).toString('hex')}`
    try {
      await this.pool.query(`INSERT INTO ${this.s}.pins (id, owner, expires_at) SELECT unnest($1::bytea[]), $2, now() + $3 * interval '1 millisecond'`, [
        ids.map(id => Buffer.from(id, 'hex')),
        owner,
        ttlMs,
      ])
    } catch (error) {
      throw this.fail('pin', error)
    }
    return async () => {
      await this.pool.query(`DELETE FROM ${this.s}.pins WHERE owner = $1`, [owner]).catch(() => {})
    }
  }

  async close(): Promise<void> {
    if (this.lockClient) this.end(this.lockClient)
  }
}
