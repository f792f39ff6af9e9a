/**
 * A PostgreSQL store at `--root`: the directory holds `postgres.json` ({ url, schema }), written
 * by `irmin init --backend postgres --url URL` (or `$IRMIN_DATABASE_URL`), so later commands need
 * no flags. The URL may carry a password, so the file is readable by its owner only (0600).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { NotAStoreError, UsageError } from '../errors.js'

export const POSTGRES_FILE = 'postgres.json'

export interface PostgresRoot {
  url: string
  schema?: string
}

export function postgresFile(root: string): string {
  return join(root, POSTGRES_FILE)
}

export function readPostgresRoot(root: string): PostgresRoot {
  try {
    const parsed = JSON.parse(readFileSync(postgresFile(root), 'utf8')) as Partial<PostgresRoot>
    if (typeof parsed.url !== 'string' || (parsed.schema !== undefined && typeof parsed.schema !== 'string')) throw new Error('no url')
    return { url: parsed.url, schema: parsed.schema }
  } catch {
    throw new NotAStoreError(root, `${POSTGRES_FILE} is not a PostgreSQL store description ({ "url": "postgres://..." })`)
  }
}

export function writePostgresRoot(root: string, description: PostgresRoot): void {
  writeFileSync(postgresFile(root), JSON.stringify(description, null, 2) + '\n', { mode: 0o600 })
}

/** The database URL for init: --url, else $IRMIN_DATABASE_URL; it must be a postgres:// URL. */
export function databaseUrl(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = option ?? env.IRMIN_DATABASE_URL
  if (!url) throw new UsageError('--backend postgres needs the database: --url postgres://USER:PASSWORD@HOST:PORT/DATABASE (or $IRMIN_DATABASE_URL)')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UsageError(`--url must be a postgres:// URL, not "${url}"`)
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new UsageError(`--url must be a postgres:// URL, not a ${parsed.protocol} one`)
  return url
}
