/**
 * `irmin watch` reports the changes other `irmin` processes make, as `+ path`, `* path` and
 * `- path` lines, until it is stopped (then it exits 0). On a LevelDB store it must not keep the
 * store from the commands it watches: they run (and succeed) while it polls.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, startIrmin } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)

describe.each(['level', 'git'] as const)('irmin watch on a %s store', backend => {
  const dir = tempDir(`irmin-cli-watch-${backend}-`)
  const root = join(dir, 'store')
  afterAll(() => removeDir(dir))
  const run = async (args: string[]) => {
    const result = await irmin(['--root', root, ...args])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  }

  beforeAll(async () => {
    await run(['--backend', backend, 'init'])
    await run(['set', 'a/x', 'one'])
    await run(['set', 'other', 'one'])
  })

  it('prints + for added, * for updated and - for removed paths', async () => {
    const watch = startIrmin(['--root', root, 'watch'])
    try {
      await watch.waitForError(line => line === 'watching everything on main (Ctrl-C stops)')
      await run(['set', 'a/y', 'new'])
      await watch.waitForLine(line => line === '+ a/y')
      await run(['set', 'a/x', 'two'])
      await watch.waitForLine(line => line === '* a/x')
      await run(['remove', 'a'])
      await watch.waitForLine(line => line === '- a/y')
      expect(watch.lines).toEqual(['+ a/y', '* a/x', '- a/x', '- a/y'])
    } finally {
      expect(await watch.stop()).toBe(0)
    }
  })

  it('watch PATH reports changes under PATH only; --json prints one object per change', async () => {
    const watch = startIrmin(['--root', root, '--json', 'watch', 'docs'])
    try {
      // --json prints no note when it starts: write until a change is seen, then it is watching.
      let pings = 0
      while (!watch.lines.some(line => line.includes('docs/ping'))) {
        await run(['set', 'docs/ping', String(++pings)])
        await watch.waitForLine(line => line.includes('docs/ping'), 1000).catch(() => {})
        expect(pings).toBeLessThan(20)
      }
      // Added, or updated when the watch began between two pings.
      expect(JSON.parse(watch.lines[0])).toEqual({ kind: expect.stringMatching(/^(added|updated)$/), path: 'docs/ping', commit: expect.stringMatching(/^[0-9a-f]{40}$/) })
      const seen = watch.lines.length
      await run(['set', 'other', 'two'])
      await run(['set', 'docs/second', '2'])
      await run(['remove', 'docs/ping'])
      await watch.waitForLine(line => line.includes('"removed"'))
      expect(watch.lines.slice(seen).map(line => JSON.parse(line))).toEqual([
        { kind: 'added', path: 'docs/second', commit: expect.any(String) },
        { kind: 'removed', path: 'docs/ping', commit: expect.any(String) },
      ])
    } finally {
      expect(await watch.stop()).toBe(0)
    }
  })
})
