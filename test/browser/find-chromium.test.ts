/**
 * How the browser tests find Chromium: `$CHROMIUM_PATH` first, then a system Chromium on `$PATH`,
 * then the one `@sparticuz/chromium` ships (unpacked once, under its version), else one line
 * that says what to install. The executables here are stand-in scripts; launching is what the
 * other browser tests do.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { arch, platform, tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { NO_CHROMIUM, searchChromium } from '../../tools/find-chromium.js'
import { removeDir, tempDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

/** A directory holding executable stand-ins with these names. */
function binDir(...names: string[]): string {
  const dir = tempDir('irmin-chromium-')
  dirs.push(dir)
  for (const name of names) {
    writeFileSync(join(dir, name), '#!/bin/sh\n')
    chmodSync(join(dir, name), 0o755)
  }
  return dir
}

const NO_SUCH_PACKAGE = '@irminsule/no-such-chromium'

/** A package laid out as @sparticuz/chromium is, whose compressed "Chromium" is `script`. */
function fakeChromiumPackage(script: string): string {
  const dir = binDir()
  const version = `0.0.0-test.${process.pid}.${Date.now()}`
  dirs.push(join(tmpdir(), `irminsule-chromium-${version}`))
  mkdirSync(join(dir, 'build', 'cjs'), { recursive: true })
  mkdirSync(join(dir, 'bin'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fake-chromium', version, main: './build/cjs/index.cjs' }))
  writeFileSync(join(dir, 'build', 'cjs', 'index.cjs'), '')
  writeFileSync(join(dir, 'bin', 'chromium.br'), brotliCompressSync(script))
  return dir
}
const npmChromiumRuns = platform() === 'linux' && arch() === 'x64'

describe('finding Chromium', () => {
  it('takes $CHROMIUM_PATH first, over a system Chromium on $PATH', async () => {
    const chosen = join(binDir('my-chrome'), 'my-chrome')
    expect(await searchChromium({ CHROMIUM_PATH: chosen, PATH: binDir('chromium') })).toBe(chosen)
  })

  it('refuses a $CHROMIUM_PATH that names nothing executable, naming it', async () => {
    const dir = binDir()
    writeFileSync(join(dir, 'not-executable'), '')
    for (const path of [join(dir, 'absent'), join(dir, 'not-executable'), dir]) {
      await expect(searchChromium({ CHROMIUM_PATH: path, PATH: binDir('chromium') })).rejects.toThrow(`CHROMIUM_PATH=${path} is not an executable file.`)
    }
  })

  it('finds a system Chromium or Chrome on $PATH, preferring it to the npm-shipped one', async () => {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
      const dir = binDir(name)
      expect(await searchChromium({ PATH: `${binDir()}:${dir}` })).toBe(join(dir, name))
    }
  })

  it.runIf(npmChromiumRuns)('falls back to the npm-shipped Chromium, unpacked under its version, the same file every time', async () => {
    const first = await searchChromium({ PATH: binDir() })
    expect(first).toMatch(/irminsule-chromium-\d+\.\d+\.\d+\/chromium$/)
    expect(await searchChromium({ PATH: '' })).toBe(first)
  })

  it.runIf(npmChromiumRuns)('an npm-shipped Chromium that cannot start fails with one line naming the missing library', async () => {
    const broken = fakeChromiumPackage('#!/bin/sh\necho "chromium: error while loading shared libraries: libnss3.so: cannot open shared object file" >&2\nexit 127\n')
    const failure = searchChromium({ PATH: binDir() }, broken)
    await expect(failure).rejects.toThrow(/^The npm-shipped Chromium \(.*\) does not start: chromium: error while loading shared libraries: libnss3\.so: .*apt-get install libnss3.*apt-get install chromium\)\.$/)
  })

  it.runIf(npmChromiumRuns)('unpacks an npm-shipped Chromium that starts, under its version', async () => {
    const working = fakeChromiumPackage('#!/bin/sh\necho "Chromium 1.2.3"\n')
    const found = await searchChromium({ PATH: binDir() }, working)
    expect(found).toMatch(/irminsule-chromium-0\.0\.0-test\.[\d.]+\/chromium$/)
  })

  it.runIf(platform() === 'linux')('without any, fails with one line naming what to install', async () => {
    const failure = searchChromium({ PATH: binDir('not-a-browser') }, NO_SUCH_PACKAGE)
    await expect(failure).rejects.toThrow(NO_CHROMIUM)
    expect(NO_CHROMIUM).not.toContain('\n')
    expect(NO_CHROMIUM).toMatch(/apt-get install chromium/)
  })
})
