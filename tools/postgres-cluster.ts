/**
 * Throwaway PostgreSQL clusters for the tests and the benchmark: `initdb` into a temporary
 * directory, a server on a free loopback port (and a Unix socket in that directory), stopped
 * and removed at the end. Nothing here assumes or touches a system-wide server.
 *
 * The binaries are Debian's (`apt-get install postgresql`: /usr/lib/postgresql/<version>/bin),
 * or those in `$PG_BIN`. PostgreSQL refuses to run as root, and the tests often run as root:
 * then every server command runs as the `postgres` system user (which Debian's package creates;
 * else `nobody`) through `runuser`, and the cluster directory is handed to that user.
 *
 * The superuser `irmin` has a password, and TCP connections must give it (scram-sha-256), so the
 * tests can check a refused password; replication connections are allowed for streaming
 * replicas (`startReplica`: `pg_basebackup -R`, then a hot standby).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const CLUSTER_USER = 'irmin'
export const CLUSTER_PASSWORD = 'irmin-test-password'
const INSTALL_HINT = 'PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install them with `apt-get install postgresql` (or set PG_BIN)'

export class PostgresMissingError extends Error {}

/** The directory holding initdb, pg_ctl, postgres and pg_basebackup. */
export function postgresBinDir(): string {
  const candidates: string[] = []
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN)
  const debian = '/usr/lib/postgresql'
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter(v => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    for (const version of versions) candidates.push(join(debian, version, 'bin'))
  }
  const found = candidates.find(dir => ['initdb', 'pg_ctl', 'postgres', 'pg_basebackup'].every(tool => existsSync(join(dir, tool))))
  if (!found) throw new PostgresMissingError(INSTALL_HINT)
  return found
}

/** Who runs the server: this user, or a system user when this is root. */
interface RunAs {
  user?: { name: string; uid: number; gid: number }
}

function runAs(): RunAs {
  if (process.getuid?.() !== 0) return {}
  for (const name of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', name])
    if (r.status !== 0) continue
    const uid = Number(r.stdout.toString().trim())
    const gid = Number(spawnSync('id', ['-g', name]).stdout.toString().trim())
    return { user: { name, uid, gid } }
  }
  throw new PostgresMissingError('running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as')
}

function run(as: RunAs, tool: string, args: string[], env: Record<string, string> = {}): string {
  const bin = join(postgresBinDir(), tool)
  const [command, argv] = as.user ? ['runuser', ['-u', as.user.name, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), bin, ...args]] : [bin, args]
  try {
    return execFileSync(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' }).toString()
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string }
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr?.toString().trim() || e.message}`)
  }
}

/** A shell word. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
}

export interface ClusterOptions {
  /** fsync and synchronous commit (default on). Tests that only kill clients may turn them off for speed. */
  durable?: boolean
}

export class PostgresCluster {
  private stopped = false
  private readonly onExit = () => this.stopSync()

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly as: RunAs,
  ) {
    process.on('exit', this.onExit)
  }

  /** The server's data directory. */
  get dataDir(): string {
    return join(this.dir, 'data')
  }

  /** A connection URL for `database` (the password included unless `password` says otherwise). */
  url(database = 'postgres', password: string = CLUSTER_PASSWORD): string {
    return `postgres://${CLUSTER_USER}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}`
  }

  static async start(options: ClusterOptions = {}): Promise<PostgresCluster> {
    postgresBinDir()
    const as = runAs()
    const dir = PostgresCluster.tempDir(as)
    const pwfile = join(dir, 'pwfile')
    writeFileSync(pwfile, CLUSTER_PASSWORD + '\n')
    if (as.user) chownSync(pwfile, as.user.uid, as.user.gid)
    run(as, 'initdb', ['-D', join(dir, 'data'), '-U', CLUSTER_USER, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'])
    // Replication connections from the loopback (initdb's own line covers them only for local sockets).
    appendFileSync(join(dir, 'data', 'pg_hba.conf'), `host replication all 127.0.0.1/32 scram-sha-256\n`)
    const cluster = new PostgresCluster(dir, await freePort(), as)
    const durable = options.durable ?? true
    cluster.configure({
      wal_level: 'replica',
      max_wal_senders: '4',
      fsync: durable ? 'on' : 'off',
      synchronous_commit: durable ? 'on' : 'off',
      full_page_writes: durable ? 'on' : 'off',
    })
    cluster.startServer()
    return cluster
  }

  /** A streaming replica of this cluster (hot standby), from `pg_basebackup -R`. */
  async startReplica(): Promise<PostgresCluster> {
    const dir = PostgresCluster.tempDir(this.as)
    run(this.as, 'pg_basebackup', ['-h', '127.0.0.1', '-p', String(this.port), '-U', CLUSTER_USER, '-D', join(dir, 'data'), '-R', '-X', 'stream', '-c', 'fast', '--no-sync'], { PGPASSWORD: CLUSTER_PASSWORD })
    const replica = new PostgresCluster(dir, await freePort(), this.as)
    replica.configure({ hot_standby: 'on' })
    replica.startServer()
    return replica
  }

  private static tempDir(as: RunAs): string {
    const dir = mkdtempSync(join(tmpdir(), 'irmin-pg-'))
    if (as.user) chownSync(dir, as.user.uid, as.user.gid)
    chmodSync(dir, 0o700)
    return dir
  }

  private configure(settings: Record<string, string>): void {
    const lines = Object.entries({
      listen_addresses: "'127.0.0.1'",
      port: String(this.port),
      unix_socket_directories: `'${this.dir}'`,
      max_connections: '200',
      ...settings,
    }).map(([k, v]) => `${k} = ${v}`)
    appendFileSync(join(this.dataDir, 'postgresql.conf'), lines.join('\n') + '\n')
  }

  /** Starts the server again (after `crash`), on the same port. */
  restart(): void {
    this.startServer()
  }

  private startServer(): void {
    run(this.as, 'pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', 'start'])
    this.watchdog()
  }

  /**
   * The server outlives whatever starts it unless stopped, and a test worker may end without
   * running its exit handlers (killed, or torn down by the runner): a detached shell waits for
   * this process to end, then stops the server and removes its directory. A normal `stop`
   * leaves it nothing to do.
   */
  private watchdog(): void {
    const pgCtl = [...(this.as.user ? ['runuser', '-u', this.as.user.name, '--'] : []), join(postgresBinDir(), 'pg_ctl')].map(quote).join(' ')
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; [ -d ${quote(this.dataDir)} ] && ${pgCtl} -D ${quote(this.dataDir)} -m immediate -w stop; rm -rf ${quote(this.dir)}`
    spawn('sh', ['-c', script], { detached: true, stdio: 'ignore', cwd: '/' }).unref()
  }

  /** Runs SQL through psql over the Unix socket (trusted), as the superuser. */
  psql(sql: string, database = 'postgres'): string {
    return run(this.as, 'psql', ['-h', this.dir, '-p', String(this.port), '-U', CLUSTER_USER, '-d', database, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql])
  }

  /** A new empty database; returns its URL. */
  createDatabase(name: string): string {
    this.psql(`CREATE DATABASE "${name}"`)
    return this.url(name)
  }

  /** Stops the server (fast shutdown) and removes its directory. */
  async stop(): Promise<void> {
    this.stopSync()
  }

  /** Stops the server at once (`immediate`, as a crash), keeping its directory. */
  crash(): void {
    run(this.as, 'pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'])
  }

  stopSync(): void {
    if (this.stopped) return
    this.stopped = true
    process.off('exit', this.onExit)
    spawnSync(this.as.user ? 'runuser' : join(postgresBinDir(), 'pg_ctl'), [...(this.as.user ? ['-u', this.as.user.name, '--', join(postgresBinDir(), 'pg_ctl')] : []), '-D', this.dataDir, '-m', 'fast', '-w', 'stop'], { stdio: 'ignore', cwd: '/' })
    rmSync(this.dir, { recursive: true, force: true })
  }
}
