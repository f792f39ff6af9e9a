/**
 * The PostgreSQL backend (Node only, through `pg`, node-postgres): one logical store that many
 * processes on many machines share. Objects live in one table, refs in another (schema.ts).
 *
 * - `putObjects` sends a batch as one multi-row insert (`unnest` of arrays, a few MiB per
 *   statement); each statement commits before the call resolves, so the
 *   objects are durable (as the server's `synchronous_commit` makes commits) before any ref can
 *   name them. A re-put freshens the object's `written_at` (gc.ts says why).
 * - `casRef` is one conditional statement: insert-if-absent (the primary key decides between
 *   racing creators) or update/delete where the old value matches (the row lock decides between
 *   racing movers: the loser re-reads the row and matches nothing). So exactly one of concurrent
 *   writers wins, in any process on any machine. The same statement logs the replaced value
 *   (`ref_log`, for GC) and notifies watchers (`NOTIFY`, at commit: watch.ts).
 * - `objectIds` and `objectSizes` page by key, 1000 ids a query.
 *
 * Client choice: `pg` and `postgres` (porsager) were measured on the same batched insert of 40,000
 * objects (3 rounds, one loaded machine): pg 1.3–2.3 s, postgres 1.8–3.1 s; point reads were
 * alike once pg used a named (prepared) statement. pg also takes plain Buffer arrays as bytea[]
 * (porsager's needs each array's type oid) and has a plain `Client` for LISTEN, so pg it is.
 */
import type pg from 'pg'
import { loadPg } from './driver.js'
import type { Backend, Deletions, ObjectEntry, RefListener, Retained } from '../../core/backend.js'
import { ClosedError, ReadOnlyError } from '../../core/errors.js'
import { type BackendLimits, checkCas, checkIds, checkObjects, checkPrefix, checkRefName, DEFAULT_MAX_OBJECT_SIZE } from '../contract.js'
import { describeDatabaseError, ReadOnlyReplicaError, redactUrl } from './errors.js'
import { Collector } from './gc.js'
import { ensureSchema, ident } from './schema.js'
import { RefWatch } from './watch.js'

export interface PostgresBackendOptions extends BackendLimits {
  /** The PostgreSQL schema holding the store's tables (default `irmin`). */
  schema?: string
  /** Connections in the pool (default 8). */
  poolSize?: number
  /** Open a hot standby (read replica): no schema creation, watches by polling. Detected when unset. */
  readOnly?: boolean
  /** GC's default grace period in ms, when `gc` gives no `pruneExpire` (default one hour). */
  graceMs?: number
}

/** Objects per insert statement, and bytes: a statement stays a few MiB. */
const PUT_ROWS = 2000
const PUT_BYTES = 4 * 1024 * 1024
const READ_IDS = 1000
const PAGE = 1000

const hexId = (id: string) => Buffer.from(id, 'hex')

export class PostgresBackend implements Backend {
  private closed = false
  private readonly watch: RefWatch
  private readonly collector: Collector
  private readonly t: { objects: string; refs: string; refLog: string }

  private constructor(
    private readonly pool: pg.Pool,
    readonly url: string,
    readonly schema: string,
    /** Opened read-only, or on a hot standby: writes are refused (`ReadOnlyReplicaError` on a standby). */
    readonly readOnly: boolean,
    /** Where writes go: this database, or the primary a standby replicates from. */
    readonly primary: string,
    private readonly standby: boolean,
    private readonly maxObjectSize: number,
    graceMs: number,
  ) {
    const s = ident(schema)
    this.t = { objects: `${s}.objects`, refs: `${s}.refs`, refLog: `${s}.ref_log` }
    this.watch = new RefWatch(url, schema, readOnly, () => this.listRefs())
    this.collector = new Collector(pool, schema, graceMs, (what, e) => this.fail(what, e))
  }

  static async open(url: string, options: PostgresBackendOptions = {}): Promise<PostgresBackend> {
    const shown = redactUrl(url)
    const schema = options.schema ?? 'irmin'
    const { Pool } = await loadPg()
    let pool: pg.Pool
    try {
      pool = new Pool({ connectionString: url, max: options.poolSize ?? 8, connectionTimeoutMillis: 10_000 })
    } catch (error) {
      throw describeDatabaseError(error, shown, 'connect')
    }
    // An idle client losing its connection (a server restart) must not crash the process.
    pool.on('error', () => {})
    try {
      const client = await pool.connect()
      try {
        const recovery = (await client.query('SELECT pg_is_in_recovery() AS r')).rows[0].r as boolean
        const readOnly = options.readOnly ?? recovery
        await ensureSchema(client, schema, readOnly || recovery)
        const primary = recovery ? await primaryOf(client) : shown
        return new PostgresBackend(pool, url, schema, readOnly || recovery, primary, recovery, options.maxObjectSize ?? DEFAULT_MAX_OBJECT_SIZE, options.graceMs ?? 60 * 60 * 1000)
      } finally {
        client.release()
      }
    } catch (error) {
      await pool.end().catch(() => {})
      throw describeDatabaseError(error, shown, 'connect')
    }
  }

  private fail(what: string, error: unknown): Error {
    return describeDatabaseError(error, redactUrl(this.url), what, () => this.primary)
  }

  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(what: string, config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    this.open()
    try {
      return await this.pool.query<R>(config)
    } catch (error) {
      throw this.fail(what, error)
    }
  }

  private open(): void {
    if (this.closed) throw new ClosedError(`PostgreSQL backend ${redactUrl(this.url)}`)
  }

  /** Writes are refused here before they reach a server that would refuse them too. */
  private writable(): void {
    this.open()
    if (!this.readOnly) return
    throw this.standby ? new ReadOnlyReplicaError(this.primary) : new ReadOnlyError(`PostgreSQL store ${redactUrl(this.url)} is opened read-only`)
  }

  async getObjects(ids: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    this.open()
    checkIds(ids)
    if (ids.length === 1) {
      // The point-read path: a prepared single-row lookup, no array to encode or unnest.
      const r = await this.query<{ body: Buffer }>('getObjects', { name: `${this.schema}:get1`, text: `SELECT body FROM ${this.t.objects} WHERE id = $1`, values: [hexId(ids[0])] })
      return [r.rows[0]?.body]
    }
    const found = new Map<string, Uint8Array>()
    for (let i = 0; i < ids.length; i += READ_IDS) {
      const chunk = ids.slice(i, i + READ_IDS)
      const r = await this.query<{ id: Buffer; body: Buffer }>('getObjects', {
        name: `${this.schema}:get`,
        text: `SELECT id, body FROM ${this.t.objects} WHERE id = ANY($1::bytea[])`,
        values: [chunk.map(hexId)],
      })
      for (const row of r.rows) found.set(row.id.toString('hex'), row.body)
    }
    return ids.map(id => found.get(id))
  }

  async hasObjects(ids: readonly string[]): Promise<boolean[]> {
    this.open()
    checkIds(ids)
    const found = new Set<string>()
    for (let i = 0; i < ids.length; i += READ_IDS) {
      const r = await this.query<{ id: Buffer }>('hasObjects', {
        name: `${this.schema}:has`,
        text: `SELECT id FROM ${this.t.objects} WHERE id = ANY($1::bytea[])`,
        values: [ids.slice(i, i + READ_IDS).map(hexId)],
      })
      for (const row of r.rows) found.add(row.id.toString('hex'))
    }
    return ids.map(id => found.has(id))
  }

  async putObjects(objects: readonly ObjectEntry[]): Promise<void> {
    this.writable()
    checkObjects(objects, this.maxObjectSize)
    // One row per id: an upsert may not touch a row twice in one statement.
    const unique = [...new Map(objects.map(o => [o[0], o[1]])).entries()]
    let start = 0
    while (start < unique.length) {
      let end = start
      let bytes = 0
      while (end < unique.length && end - start < PUT_ROWS && (end === start || bytes + unique[end][1].length <= PUT_BYTES)) bytes += unique[end++][1].length
      const chunk = unique.slice(start, end)
      await this.query('putObjects', {
        name: `${this.schema}:put`,
        text:
          `INSERT INTO ${this.t.objects} (id, body, size) SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::int[]) ` +
          `ON CONFLICT (id) DO UPDATE SET written_at = now() WHERE ${this.t.objects}.written_at < now() - interval '1 second'`,
        values: [chunk.map(([id]) => hexId(id)), chunk.map(([, body]) => Buffer.from(body.buffer, body.byteOffset, body.length)), chunk.map(([, body]) => body.length)],
      })
      start = end
    }
  }

  async deleteObjects(ids: readonly string[]): Promise<void> {
    this.writable()
    checkIds(ids)
    for (let i = 0; i < ids.length; i += READ_IDS) {
      await this.query('deleteObjects', { text: `DELETE FROM ${this.t.objects} WHERE id = ANY($1::bytea[])`, values: [ids.slice(i, i + READ_IDS).map(hexId)] })
    }
  }

  async *objectIds(): AsyncIterable<string> {
    for await (const page of this.objectSizes()) for (const [id] of page) yield id
  }

  /** Every id with its size, a page (by key) at a time; during a collection, notes the young. */
  async *objectSizes(): AsyncIterable<Array<[string, number]>> {
    let after: Buffer = Buffer.alloc(0)
    for (;;) {
      const r = await this.query<{ id: Buffer; size: number; young: boolean }>('objectIds', {
        name: `${this.schema}:page`,
        text: `SELECT id, size, written_at > $3::timestamptz AS young FROM ${this.t.objects} WHERE id > $1 ORDER BY id LIMIT $2`,
        values: [after, PAGE, this.collector.cutoff ?? null],
      })
      if (r.rows.length === 0) return
      const page: Array<[string, number]> = []
      for (const row of r.rows) {
        const id = row.id.toString('hex')
        page.push([id, row.size])
        if (row.young) this.collector.noteYoung(id)
      }
      yield page
      if (r.rows.length < PAGE) return
      after = r.rows[r.rows.length - 1].id
    }
  }

  async getRef(name: string): Promise<string | undefined> {
    this.open()
    checkRefName(name)
    const r = await this.query<{ id: Buffer }>('getRef', { name: `${this.schema}:ref`, text: `SELECT id FROM ${this.t.refs} WHERE name = $1`, values: [name] })
    return r.rows[0]?.id.toString('hex')
  }

  async listRefs(prefix = ''): Promise<Array<[string, string]>> {
    this.open()
    checkPrefix(prefix)
    const r = await this.query<{ name: string; id: Buffer }>('listRefs', {
      name: `${this.schema}:refs`,
      text: `SELECT name, id FROM ${this.t.refs} WHERE starts_with(name, $1) ORDER BY name`,
      values: [prefix],
    })
    return r.rows.map(row => [row.name, row.id.toString('hex')])
  }

  async casRef(name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    this.writable()
    checkCas(name, expected, next)
    const { refs, refLog } = this.t
    const { channel, origin } = this.watch
    // Each statement counts the rows it moved; `told` and `logged` are counted only so that they run.
    const ok = (...ctes: string[]) => `SELECT (SELECT count(*) FROM moved) ${ctes.map(c => `+ 0 * (SELECT count(*) FROM ${c})`).join(' ')} = 1 AS ok`
    let config: pg.QueryConfig
    if (expected === next) {
      // Nothing moves: succeed when the ref is as expected (absent, or at that value).
      config = expected === undefined
        ? { text: `SELECT NOT EXISTS (SELECT 1 FROM ${refs} WHERE name = $1) AS ok`, values: [name] }
        : { text: `SELECT EXISTS (SELECT 1 FROM ${refs} WHERE name = $1 AND id = $2) AS ok`, values: [name, hexId(expected)] }
    } else if (expected === undefined) {
      config = {
        text: `WITH moved AS (INSERT INTO ${refs} (name, id) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING name),
               told AS (SELECT pg_notify($3, $1 || ' ' || encode($2, 'hex') || ' ' || $4) FROM moved) ${ok('told')}`,
        values: [name, hexId(next!), channel, origin],
      }
    } else if (next === undefined) {
      config = {
        text: `WITH moved AS (DELETE FROM ${refs} WHERE name = $1 AND id = $2 RETURNING name),
               logged AS (INSERT INTO ${refLog} (name, id) SELECT $1, $2 FROM moved RETURNING 1),
               told AS (SELECT pg_notify($3, $1 || ' - ' || $4) FROM moved) ${ok('told', 'logged')}`,
        values: [name, hexId(expected), channel, origin],
      }
    } else {
      config = {
        text: `WITH moved AS (UPDATE ${refs} SET id = $3 WHERE name = $1 AND id = $2 RETURNING name),
               logged AS (INSERT INTO ${refLog} (name, id) SELECT $1, $2 FROM moved RETURNING 1),
               told AS (SELECT pg_notify($4, $1 || ' ' || encode($3, 'hex') || ' ' || $5) FROM moved) ${ok('told', 'logged')}`,
        values: [name, hexId(expected), hexId(next!), channel, origin],
      }
    }
    const r = await this.query<{ ok: boolean }>('casRef', config)
    const moved = r.rows[0].ok
    if (moved && expected !== next) this.watch.emitLocal(name, next)
    return moved
  }

  /** Moves made by this backend object are reported at once; others' through NOTIFY (or polling on a replica). */
  watchRefs(listener: RefListener): () => void {
    this.open()
    return this.watch.add(listener)
  }

  /** Resolves once watchers hear other processes' moves (LISTEN is in place, or polling began). */
  watching(): Promise<void> {
    return this.watch.ready()
  }

  retained(pruneExpire?: Date): Promise<Retained> {
    this.writable()
    return this.collector.begin(pruneExpire)
  }

  beginDeletions(): Deletions {
    this.writable()
    return this.collector.deletions()
  }

  /**
   * Keeps `ids` (and all they reach) from every collector, in every process, until the returned
   * function is called or `ttlMs` passes (a process that dies without releasing loses its pins then).
   */
  pin(ids: readonly string[], ttlMs = 60 * 60 * 1000): Promise<() => Promise<void>> {
    this.writable()
    checkIds(ids)
    return this.collector.pin(ids, ttlMs)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.watch.close()
    await this.collector.close()
    await this.pool.end().catch(() => {})
  }
}

/** Where a standby replicates from (its WAL receiver), for the read-only error. */
async function primaryOf(client: pg.ClientBase): Promise<string> {
  try {
    const r = await client.query('SELECT sender_host, sender_port FROM pg_stat_wal_receiver')
    const row = r.rows[0]
    if (row?.sender_host) return `postgres://${row.sender_host}:${row.sender_port}`
  } catch {
    // Not allowed to see it: the message says "the primary".
  }
  return 'the primary'
}

export function openPostgresBackend(url: string, options: PostgresBackendOptions = {}): Promise<PostgresBackend> {
  return PostgresBackend.open(url, options)
}
