/**
 * Debian's Xenstore programs for the tests: the `xenstore-*` clients (package xenstore-utils,
 * installed system-wide by .ci/run), and, unpacked from Debian's packages without installing
 * them, `test-xenstore` and the reference daemons C xenstored and oxenstored, which run without
 * Xen through an LD_PRELOAD shim (tools/peers/xenstored/: setup.sh unpacks and builds it once, into
 * $XENSTORE_PEERS_DIR or $TMPDIR/irminsule-xenstore-peers). A missing piece fails at once with
 * one line naming what to install.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdirSync, rmdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { answers } from '../xenstore/server.js'
import { PACKAGE_ROOT } from './irmin-cli.js'

const run = promisify(execFile)
const PEERS_SCRIPTS = join(PACKAGE_ROOT, 'tools/peers/xenstored')
export const PEERS_DIR = process.env.XENSTORE_PEERS_DIR ?? join(tmpdir(), 'irminsule-xenstore-peers')
const DAEMON_BIN = join(PEERS_DIR, 'root/usr/lib/xen-4.17/bin')
export const TEST_XENSTORE = join(DAEMON_BIN, 'test-xenstore')
export const PEER_LIBS = join(PEERS_DIR, 'root/usr/lib/x86_64-linux-gnu')

/** The path of a Debian xenstore-utils program; throws naming the package when it is missing. */
export function debianTool(name: string): string {
  const path = `/usr/bin/${name}`
  if (!existsSync(path)) throw new Error(`${path} is missing: install Debian's xenstore-utils (apt-get install xenstore-utils)`)
  return path
}

/** Unpacks the reference programs once (a lock directory keeps parallel test files from racing). */
export async function ensurePeers(): Promise<void> {
  if (existsSync(join(PEERS_DIR, 'xsshim.so')) && existsSync(TEST_XENSTORE)) return
  const lock = `${PEERS_DIR}.lock`
  for (;;) {
    try {
      mkdirSync(lock, { recursive: false })
      break
    } catch {
      await new Promise(resolve => setTimeout(resolve, 200))
      if (existsSync(join(PEERS_DIR, 'xsshim.so'))) return
    }
  }
  try {
    if (existsSync(join(PEERS_DIR, 'xsshim.so')) && existsSync(TEST_XENSTORE)) return
    try {
      await run('sh', [join(PEERS_SCRIPTS, 'setup.sh'), PEERS_DIR], { timeout: 300_000 })
    } catch (error) {
      throw new Error(`cannot unpack Debian's xen-utils-4.17 and build the shim (tools/peers/xenstored/setup.sh ${PEERS_DIR}): needs apt-get download access and gcc; ${(error as Error).message.split('\n')[0]}`)
    }
  } finally {
    rmdirSync(lock)
  }
}

export interface ReferenceDaemon {
  readonly socket: string
  /** The daemon's process (the reference daemons' start script execs them, keeping its pid). */
  readonly pid: number
  stop(): Promise<void>
}

/** Starts C xenstored (`c`) or oxenstored (`ocaml`) with its socket in `dir`. */
export async function startReference(kind: 'c' | 'ocaml', dir: string): Promise<ReferenceDaemon> {
  await ensurePeers()
  mkdirSync(dir, { recursive: true })
  return spawnDaemon('sh', [join(PEERS_SCRIPTS, 'start-daemon.sh'), PEERS_DIR, kind, dir], join(dir, 'socket'), `reference ${kind} xenstored`, 'SIGKILL')
}

/** Runs a daemon until `stop`, once `socket` accepts connections (it is bound before it listens). */
export async function spawnDaemon(program: string, args: string[], socket: string, label: string, signal: NodeJS.Signals): Promise<ReferenceDaemon> {
  const child: ChildProcess = spawn(program, args, { stdio: 'ignore' })
  const deadline = Date.now() + 30_000
  while (!(await answers(socket))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${label} did not start (socket ${socket})`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return {
    socket,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise(resolve => child.once('exit', resolve))
      child.kill(signal)
      await exited
    },
  }
}

/** Runs a program with XENSTORED_PATH set; returns status and output. */
export async function runWith(socket: string, program: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(program, args, { env: { ...process.env, XENSTORED_PATH: socket, ...env }, timeout: 60_000 })
    return { status: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { status: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}
