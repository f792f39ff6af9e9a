/**
 * Driving the real `irmin` binary (bin/irmin.js → dist/cli/irmin.js, the bundled CLI) from tests: build dist/ when
 * it is older than the sources, run a command and collect its output and exit status, or start a
 * long-running one (watch, serve) and read its lines as they come.
 *
 *   await ensureBuilt()                                   // in beforeAll
 *   const r = await irmin(['--root', dir, 'get', 'a/b'])  // { status, stdout, stderr, bytes }
 *   const watch = startIrmin(['--root', dir, 'watch'])
 *   await watch.waitForLine(line => line === '+ a')
 *   await watch.stop()
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url))
export const IRMIN_BIN = join(PACKAGE_ROOT, 'bin/irmin.js')

const SOURCES = ['cli', 'web', 'core', 'backends', 'sync', 'git-protocol', 'xenstore', 'nfs-export', 'index.ts', 'index.browser.ts', 'node-hasher.ts']
const OUTPUTS = ['dist/cli/main.js', 'dist/cli/irmin.js', 'dist/web/bundle/inspector.js', 'dist/web/bundle/comments.js', 'dist/web/bundle/comments-sw.js']
const LOCK = join(PACKAGE_ROOT, 'dist/.test-build.lock')

function newestMtime(path: string): number {
  const info = statSync(path)
  if (!info.isDirectory()) return path.endsWith('.ts') ? info.mtimeMs : 0
  return Math.max(0, ...readdirSync(path).map(name => newestMtime(join(path, name))))
}

function isStale(): boolean {
  const built = OUTPUTS.map(file => join(PACKAGE_ROOT, file))
  if (!built.every(existsSync)) return true
  const sources = Math.max(...SOURCES.map(source => join(PACKAGE_ROOT, source)).filter(existsSync).map(newestMtime))
  return Math.min(...built.map(file => statSync(file).mtimeMs)) < sources
}

/**
 * Runs `npm run build` when dist/ is older than the sources. Test files run in parallel workers,
 * so one builds (holding a lock directory) while the others wait for it.
 */
export async function ensureBuilt(): Promise<void> {
  const deadline = Date.now() + 120_000
  while (isStale()) {
    mkdirSync(join(PACKAGE_ROOT, 'dist'), { recursive: true })
    let locked = false
    try {
      mkdirSync(LOCK)
      locked = true
    } catch {
      if (Date.now() > deadline) throw new Error(`waited 2 minutes for another build (remove ${LOCK} if none runs)`)
      await new Promise(resolve => setTimeout(resolve, 250))
      continue
    }
    try {
      if (isStale()) await promisify(execFile)('npm', ['run', 'build'], { cwd: PACKAGE_ROOT, maxBuffer: 16 * 1024 * 1024 })
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
      throw new Error(`npm run build failed:\n${stdout}\n${stderr}`)
    } finally {
      if (locked) rmdirSync(LOCK)
    }
  }
}

export interface IrminResult {
  status: number | null
  stdout: string
  stderr: string
  /** stdout as bytes, for values read with --contents bytes. */
  bytes: Buffer
}

export interface IrminOptions {
  cwd?: string
  input?: string | Uint8Array
  env?: Record<string, string>
}

/**
 * The environment irmin runs in: the caller's, without what would choose a commit author (so
 * commits are by the default author unless a test says otherwise) — no author variables, and
 * git's global and system configuration (user.name) out of sight.
 */
function irminEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, IRMIN_ROOT: '', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
  for (const name of ['IRMIN_AUTHOR', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL']) delete env[name]
  return { ...env, ...extra }
}

function spawnIrmin(args: readonly string[], options: IrminOptions): ChildProcess {
  return spawn(process.execPath, [IRMIN_BIN, ...args], {
    cwd: options.cwd ?? PACKAGE_ROOT,
    env: irminEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

/** Runs `irmin ARGS` to the end. */
export function irmin(args: readonly string[], options: IrminOptions = {}): Promise<IrminResult> {
  return new Promise((resolve, reject) => {
    const child = spawnIrmin(args, options)
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout!.on('data', chunk => out.push(chunk))
    child.stderr!.on('data', chunk => err.push(chunk))
    child.on('error', reject)
    child.on('close', status => {
      const bytes = Buffer.concat(out)
      resolve({ status, stdout: bytes.toString(), stderr: Buffer.concat(err).toString(), bytes })
    })
    child.stdin!.end(options.input)
  })
}

/** Runs irmin and gives its stdout; a non-zero exit throws, with the command line and its stderr. */
export async function irminOk(args: readonly string[], options: IrminOptions = {}): Promise<string> {
  const result = await irmin(args, options)
  if (result.status !== 0) throw new Error(`irmin ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  return result.stdout
}

export interface RunningIrmin {
  readonly child: ChildProcess
  /** Complete lines of stdout so far. */
  readonly lines: string[]
  /** Complete lines of stderr so far. */
  readonly errors: string[]
  /** Waits until a stdout line matches (lines already printed count). */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>
  /** Waits until a stderr line matches. */
  waitForError(match: (line: string) => boolean, timeoutMs?: number): Promise<string>
  /** Sends SIGTERM and waits for the exit; resolves to the exit status. */
  stop(): Promise<number | null>
}

/** Starts a long-running `irmin ARGS` (watch, serve). */
export function startIrmin(args: readonly string[], options: IrminOptions = {}): RunningIrmin {
  const child = spawnIrmin(args, options)
  child.stdin!.end()
  const waiters = new Set<() => void>()
  const collect = (stream: NodeJS.ReadableStream): string[] => {
    const lines: string[] = []
    let partial = ''
    stream.on('data', chunk => {
      const parts = (partial + chunk).split('\n')
      partial = parts.pop()!
      lines.push(...parts)
      for (const wake of waiters) wake()
    })
    return lines
  }
  const lines = collect(child.stdout!)
  const errors = collect(child.stderr!)
  // 'close', not 'exit': by then everything the process printed has been read.
  const exited = new Promise<number | null>(resolve => child.on('close', status => resolve(status)))
  const waitIn = (source: string[], match: (line: string) => boolean, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const describe = () => `stdout: ${JSON.stringify(lines)}; stderr: ${JSON.stringify(errors)}`
      const check = () => {
        const found = source.find(match)
        if (found === undefined) return false
        cleanup()
        resolve(found)
        return true
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`no matching line within ${timeoutMs} ms; ${describe()}`))
      }, timeoutMs)
      const onExit = () => {
        if (check()) return
        cleanup()
        reject(new Error(`irmin exited before printing a matching line; ${describe()}`))
      }
      const cleanup = () => {
        clearTimeout(timer)
        waiters.delete(wake)
        child.off('close', onExit)
      }
      const wake = () => void check()
      if (check()) return
      waiters.add(wake)
      child.on('close', onExit)
    })
  return {
    child,
    lines,
    errors,
    waitForLine: (match, timeoutMs = 15_000) => waitIn(lines, match, timeoutMs),
    waitForError: (match, timeoutMs = 15_000) => waitIn(errors, match, timeoutMs),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}

export interface StoreHolder {
  /** Closes the store and ends the holding process. */
  release(): Promise<void>
}

/**
 * Opens the LevelDB store at `root` in another process (as a long-running program would) and
 * keeps it open until `release`, or for `holdMs` when given.
 */
export async function holdLevelStore(root: string, holdMs?: number): Promise<StoreHolder> {
  const script = `
    const { openLevelBackend } = await import(${JSON.stringify(join(PACKAGE_ROOT, 'dist/backends/level.js'))})
    const backend = await openLevelBackend(${JSON.stringify(root)})
    const release = async () => { await backend.close(); process.exit(0) }
    process.on('SIGTERM', release)
    console.log('open')
    setTimeout(release, ${holdMs ?? 600_000})
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const closed = new Promise<void>(resolve => child.on('close', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve())
    child.once('close', status => reject(new Error(`the store holder exited with ${status} before opening ${root}`)))
  })
  return {
    release: async () => {
      child.kill('SIGTERM')
      await closed
    },
  }
}

export interface CliStore {
  readonly root: string
  /** Runs `irmin --root ROOT ARGS`. */
  run(args: readonly string[], input?: string | Uint8Array): Promise<IrminResult>
  /** Runs it and returns stdout; throws unless it exits 0 with nothing on stderr. */
  ok(args: readonly string[], input?: string | Uint8Array): Promise<string>
  /** Runs it with `--json` and returns the parsed result; throws as `ok` does. */
  json<T = any>(args: readonly string[]): Promise<T>
}

/** A new store at `root` (`irmin init`), and the means to run commands on it. */
export async function newCliStore(root: string, backend: 'level' | 'git'): Promise<CliStore> {
  const run = (args: readonly string[], input?: string | Uint8Array) => irmin(['--root', root, ...args], { input })
  const ok = async (args: readonly string[], input?: string | Uint8Array) => {
    const result = await run(args, input)
    if (result.status !== 0 || result.stderr !== '') throw new Error(`irmin ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
    return result.stdout
  }
  const store: CliStore = { root, run, ok, json: async args => JSON.parse(await ok(['--json', ...args])) }
  await ok(['--backend', backend, 'init'])
  return store
}
