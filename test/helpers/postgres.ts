/**
 * One throwaway PostgreSQL cluster per test process (tools/postgres-cluster.ts: initdb into a
 * temporary directory, run as the `postgres` system user when the tests run as root, loopback
 * port), started on first use and stopped when the process exits; a fresh database per store.
 * Without the server binaries the first use fails at once with one line naming the package.
 */
import { PostgresCluster, postgresBinDir } from '../../tools/postgres-cluster.js'
import { openPostgresBackend, type PostgresBackend, type PostgresBackendOptions } from '../../backends/postgres/index.js'

// Fails the test file at once, with one line naming the package, when the server is not installed.
postgresBinDir()

let shared: Promise<PostgresCluster> | undefined
let databases = 0

/** The process's cluster; fsync off (these tests kill clients, not the server). */
export function testCluster(): Promise<PostgresCluster> {
  shared ??= PostgresCluster.start({ durable: false })
  return shared
}

/** A new empty database on the shared cluster: its URL. */
export async function freshDatabase(): Promise<string> {
  const cluster = await testCluster()
  return cluster.createDatabase(`t${process.pid}_${++databases}`)
}

/** A backend on a new empty database. */
export async function freshPostgresBackend(options: PostgresBackendOptions = {}): Promise<PostgresBackend> {
  return openPostgresBackend(await freshDatabase(), options)
}
