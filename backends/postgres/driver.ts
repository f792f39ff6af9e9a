/**
 * The `pg` driver, loaded on first use: every `irmin` command bundles this backend, and loading
 * `pg` at start cost each one ~65 ms of CPU (a third of `irmin --version`), PostgreSQL or not.
 */
import type pg from 'pg'

let loaded: Promise<typeof pg> | undefined

export function loadPg(): Promise<typeof pg> {
  return (loaded ??= import('pg').then(module => (module as unknown as { default: typeof pg }).default ?? (module as unknown as typeof pg)))
}
