/**
 * How the browser tests find Chromium: `$CHROMIUM_PATH` first, then a system Chromium on `$PATH`,
 * then the one `@sparticuz/chromium` ships (unpacked once, under its version), else one line
 * that says what to install. The executables here are stand-in scripts; launching is what the
 * other browser tests do.
 */
import { chmodSync, writeFileSync } from 'node:fs'
import { arch, platform } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { NO_CHROMIUM, searchChromium } from '../helpers/find-chromium.js'
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

  it.runIf(platform() === 'linux')('without any, fails with one line naming what to install', async () => {
    const failure = searchChromium({ PATH: binDir('not-a-browser') }, NO_SUCH_PACKAGE)
    await expect(failure).rejects.toThrow(NO_CHROMIUM)
    expect(NO_CHROMIUM).not.toContain('\n')
    expect(NO_CHROMIUM).toMatch(/apt-get install chromium/)
  })
})
