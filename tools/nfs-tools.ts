/**
 * The real NFS clients the NFS tests drive: Debian's libnfs-utils (nfs-ls, nfs-cat, nfs-cp) and a
 * C driver (tools/peers/nfs/driver.c) built against libnfs-dev. Missing tools fail at once with one
 * line saying what to install, never a skip.
 */
import { execFile, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PACKAGE_ROOT } from './irmin-cli.js'

const run = promisify(execFile)
const INSTALL = 'apt-get install libnfs-utils libnfs-dev gcc pkg-config'

function has(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' })
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as { status?: number }).status !== 127
  }
}

/** Throws one line naming the packages when a tool is missing. */
export function requireNfsTools(): void {
  for (const tool of ['nfs-ls', 'nfs-cat', 'nfs-cp', 'gcc', 'pkg-config']) {
    if (!has(tool, ['--help'])) throw new Error(`the NFS tests need ${tool}: ${INSTALL}`)
  }
  if (!has('pkg-config', ['--exists', 'libnfs'])) throw new Error(`the NFS tests need libnfs-dev: ${INSTALL}`)
}

/** Compiles the C driver; returns its path. */
export async function buildDriver(): Promise<string> {
  requireNfsTools()
  // One binary per version of the source, kept in the temp directory: built once, not once per test file.
  const source = join(PACKAGE_ROOT, 'tools/peers/nfs/driver.c')
  const out = join(tmpdir(), `irmin-nfs-driver-${createHash('sha1').update(readFileSync(source)).digest('hex').slice(0, 12)}`)
  if (existsSync(out)) return out
  const building = `${out}.${process.pid}`
  const flags = (await run('pkg-config', ['--cflags', '--libs', 'libnfs'])).stdout.trim().split(/\s+/).filter(Boolean)
  await run('gcc', ['-Wall', '-o', building, source, ...flags])
  renameSync(building, out) // atomic: a parallel build of the same source yields the same binary
  return out
}

export function nfsUrl(port: number, mountPort: number, path = ''): string {
  return `nfs://127.0.0.1/export${path}?nfsport=${port}&mountport=${mountPort}&version=3`
}

export interface ToolResult {
  status: number
  stdout: string
  stderr: string
}

/** Runs a tool to the end (a non-zero exit is a result, not an exception). */
export async function tool(command: string, args: string[], timeout = 60_000): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await run(command, args, { timeout, maxBuffer: 64 * 1024 * 1024 })
    return { status: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { status: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}
