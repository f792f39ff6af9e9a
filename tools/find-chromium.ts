/**
 * Finds a Chromium for the browser tests and benchmarks, never downloading one:
 *
 * 1. `$CHROMIUM_PATH`, when set (an error if it names nothing executable);
 * 2. the system's Chromium or Chrome (`chromium`, `chromium-browser`, `google-chrome`,
 *    `google-chrome-stable` on `$PATH`, or the macOS applications): what CI installs (Debian's
 *    `chromium`), a full, current, distribution-patched browser;
 * 3. the Chromium that the `@sparticuz/chromium` dev dependency ships inside its npm package
 *    (Linux x64 only): a brotli-compressed headless shell, unpacked once into the temporary
 *    directory.
 *
 * The system browser comes first because it is what CI tests with, it is kept up to date by the
 * system, and it needs no 190 MB unpacked copy; the npm one is older (143: the last release for
 * Node 20) and built for serverless machines, so it is the fallback that makes
 * `npm install && npm test` work on a machine with Node alone.
 */
import { execFile } from 'node:child_process'
import { constants, createReadStream, createWriteStream } from 'node:fs'
import { access, mkdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { arch, platform, tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import { createBrotliDecompress } from 'node:zlib'

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']
const MAC_APPLICATIONS = ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome']
const NPM_CHROMIUM = '@sparticuz/chromium'

export const NO_CHROMIUM =
  'No Chromium for the browser tests: install one (Debian/Ubuntu: apt-get install chromium), set CHROMIUM_PATH to a Chromium or Chrome executable, or, on Linux x64, run npm install so that @sparticuz/chromium is present.'

let found: Promise<string> | undefined

/** The path of a Chromium executable (see above); found once per process. */
export function findChromium(): Promise<string> {
  found ??= searchChromium(process.env)
  return found
}

/**
 * The search itself, in the order above, in the environment `env`; `npmPackage` is the name (or
 * directory) of the package shipping a Chromium. The tests pass their own.
 */
export async function searchChromium(env: NodeJS.ProcessEnv, npmPackage = NPM_CHROMIUM): Promise<string> {
  const chosen = env.CHROMIUM_PATH
  if (chosen) {
    if (await isExecutable(chosen)) return chosen
    throw new Error(`CHROMIUM_PATH=${chosen} is not an executable file.`)
  }
  const onPath = (env.PATH ?? '').split(delimiter).filter(Boolean)
  for (const candidate of [...SYSTEM_NAMES.flatMap(name => onPath.map(dir => join(dir, name))), ...MAC_APPLICATIONS]) {
    if (await isExecutable(candidate)) return candidate
  }
  const shipped = await unpackNpmChromium(npmPackage)
  if (!shipped) throw new Error(NO_CHROMIUM)
  await checkStarts(shipped)
  return shipped
}

/**
 * The npm-shipped Chromium links a few system libraries (NSS, NSPR, expat) that a machine with
 * Node alone may lack; asking for its version shows that in a second, in one line, rather than
 * as a launch failure in every browser test.
 */
async function checkStarts(executable: string): Promise<void> {
  try {
    await promisify(execFile)(executable, ['--version'], { timeout: 30_000 })
  } catch (error) {
    const { stderr = '', message } = error as { stderr?: string; message: string }
    const reason = (stderr.trim() || message).split('\n')[0]
    throw new Error(
      `The npm-shipped Chromium (${executable}) does not start: ${reason}. Install the libraries it names (Debian/Ubuntu: apt-get install libnss3), or a system Chromium (apt-get install chromium).`,
    )
  }
}

/**
 * Unpacks the package's `bin/chromium.br` into a directory named after the package's version,
 * through a file of this process's own that is renamed into place: two processes unpacking at
 * once, or an unpack cut short, never leave a half-written browser where it would be launched.
 * (The package's own `executablePath()` writes straight to `/tmp/chromium` and then trusts any
 * file there, whatever its version or state.) Undefined where the package is absent or cannot
 * run (it holds a Linux x64 binary).
 */
async function unpackNpmChromium(npmPackage: string): Promise<string | undefined> {
  if (platform() !== 'linux' || arch() !== 'x64') return undefined
  let packageDir: string
  try {
    // Its main module is build/cjs/index.cjs; bin/ sits beside build/.
    packageDir = join(dirname(createRequire(import.meta.url).resolve(npmPackage)), '..', '..')
  } catch {
    return undefined
  }
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string }
  const executable = join(tmpdir(), `irminsule-chromium-${version}`, 'chromium')
  if (await isExecutable(executable)) return executable
  await mkdir(dirname(executable), { recursive: true })
  const partial = `${executable}.${process.pid}.partial`
  try {
    await pipeline(createReadStream(join(packageDir, 'bin', 'chromium.br')), createBrotliDecompress(), createWriteStream(partial, { mode: 0o755 }))
    await rename(partial, executable)
  } finally {
    await rm(partial, { force: true })
  }
  return executable
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}
