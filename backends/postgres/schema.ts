/**
 * The store's tables, created on first open and versioned. Version 1:
 * - `meta(key, value)`: `schema_version`;
 * - `objects(id bytea PK, body bytea, size int, written_at)`: framed git objects under their raw
 *   20-byte id; `written_at` is when the object was last put (re-puts freshen it), for GC's
 *   grace period;
 * - `refs(name PK, id)`: the only mutable state, moved by one conditional statement each;
 * - `ref_log(name, id, replaced_at)`: values refs held until `replaced_at`, so a collection in
 *   any process keeps what a ref named within the grace period (see gc.ts);
 * - `pins(id, owner, expires_at)`: ids any process asked to keep, seen by every collector.
 * Names sort byte-wise (`COLLATE "C"`), as JavaScript sorts ASCII ref names.
 *
 * Creation runs in one transaction under an advisory lock, so processes opening a new store at
 * once create it once. A store of a newer version is refused (`SchemaVersionError`) before
 * anything is read or written; an older one would be migrated here.
 */
import type pg from 'pg'
import { SchemaVersionError } from './errors.js'

export const SCHEMA_VERSION = 1

/** Advisory lock keys (the first of pg's two 32-bit keys): schema creation and the collector. */
export const LOCK_SPACE = 0x6972_6d6e // "irmn"
export const SCHEMA_LOCK = 1
export const GC_LOCK = 2

/** A quoted identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** A stable 32-bit key for a schema name, the second key of its advisory locks. */
export function lockKey(schema: string, lock: number): number {
  let h = 2166136261
  for (const ch of `${schema}:${lock}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619)
  return h | 0
}

function ddl(s: string): string {
  return `
    CREATE SCHEMA IF NOT EXISTS ${s};
    CREATE TABLE IF NOT EXISTS ${s}.meta (key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
    CREATE TABLE IF NOT EXISTS ${s}.objects (
      id bytea PRIMARY KEY,
      body bytea NOT NULL,
      size integer NOT NULL,
      written_at timestamptz NOT NULL DEFAULT now()
    );
    ALTER TABLE ${s}.objects ALTER COLUMN body SET STORAGE EXTERNAL;
    CREATE TABLE IF NOT EXISTS ${s}.refs (name text COLLATE "C" PRIMARY KEY, id bytea NOT NULL);
    CREATE TABLE IF NOT EXISTS ${s}.ref_log (name text COLLATE "C" NOT NULL, id bytea NOT NULL, replaced_at timestamptz NOT NULL DEFAULT now());
    CREATE INDEX IF NOT EXISTS ref_log_replaced_at ON ${s}.ref_log (replaced_at);
    CREATE TABLE IF NOT EXISTS ${s}.pins (id bytea NOT NULL, owner text NOT NULL, expires_at timestamptz NOT NULL);
    CREATE INDEX IF NOT EXISTS pins_expires_at ON ${s}.pins (expires_at);
  `
}

/** Creates the schema if it is absent (unless `readOnly`) and checks its version. */
export async function ensureSchema(client: pg.ClientBase, schema: string, readOnly: boolean): Promise<void> {
  const s = ident(schema)
  if (!readOnly) {
    await client.query('BEGIN')
    try {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, lockKey(schema, SCHEMA_LOCK)])
      const exists = await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, 'meta'])
      if (exists.rowCount === 0) {
        await client.query(ddl(s))
        await client.query(`INSERT INTO ${s}.meta VALUES ('schema_version', $1) ON CONFLICT DO NOTHING`, [String(SCHEMA_VERSION)])
      }
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    }
  }
  const found = await client.query(`SELECT value FROM ${s}.meta WHERE key = 'schema_version'`)
  const version = Number(found.rows[0]?.value)
  if (!(version >= 1)) throw new SchemaVersionError(Number.NaN, SCHEMA_VERSION)
  if (version > SCHEMA_VERSION) throw new SchemaVersionError(version, SCHEMA_VERSION)
}
