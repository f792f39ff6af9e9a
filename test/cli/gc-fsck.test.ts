/**
 * `irmin gc` and `irmin fsck` through the real binary: a history window leaves exactly the
 * commits it keeps (and a store fsck finds sound), --keep-since by duration and by date, bad
 * options are usage errors; fsck names each damaged object or ref and exits 1, on a git store
 * damaged by hand (a loose object deleted, one overwritten, a ref to nothing) and on a LevelDB
 * store damaged through its backend.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { git, removeDir, tempDir } from '../helpers/git.js'
import { type CliStore, ensureBuilt, newCliStore, PACKAGE_ROOT } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)

const dir = tempDir('irmin-cli-gc-fsck-')
afterAll(() => removeDir(dir))
let stores = 0

const newStore = (backend: 'level' | 'git') => newCliStore(join(dir, `${backend}-${stores++}`), backend)

/** Sets `count` values on main, one commit each; returns the commit ids, oldest first. */
async function commits(store: CliStore, count: number, prefix = 'k'): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) ids.push((await store.ok(['set', `${prefix}${i}`, `value ${i}`])).trim())
  return ids
}

const FSCK_SOUND = /^objects {4}\d+ checked\nrefs {7}\d+\nreachable {2}\d+ objects\nboundary {3}\d+ commits?\n$/

describe.each(['level', 'git'] as const)('irmin gc and fsck on a %s store', backend => {
  it('gc --keep-commits N leaves N commits of history, the values intact, and a sound store', async () => {
    const store = await newStore(backend)
    const ids = await commits(store, 5)
    // --prune-expire now: on git, objects written a moment ago are young (the grace period).
    const report = await store.json(['gc', '--keep-commits', '2', '--prune-expire', 'now'])
    expect(report).toEqual({
      scanned: expect.any(Number),
      kept: expect.any(Number),
      removed: expect.any(Number),
      keptYoung: 0,
      bytesFreed: expect.any(Number),
      durationMs: expect.any(Number),
      boundary: [ids[3]],
    })
    // The three old commits and their three root trees go; the blobs are all still reachable.
    expect(report.removed).toBe(6)
    expect(report.kept + report.removed).toBe(report.scanned)
    expect(report.bytesFreed).toBeGreaterThan(0)
    expect((await store.json(['log'])).map((c: { id: string }) => c.id)).toEqual([ids[4], ids[3]])
    expect(await store.ok(['get', 'k0'])).toBe('value 0\n')
    const fsck = await store.run(['fsck'])
    expect(fsck).toMatchObject({ status: 0, stderr: '', stdout: expect.stringMatching(FSCK_SOUND) })
    expect(fsck.stdout).toContain('boundary   1 commit\n')
    expect(await store.json(['fsck'])).toMatchObject({ boundary: [ids[3]], damage: [] })
  })

  it('gc without a window deletes only what no branch reaches, and prints a report', async () => {
    const store = await newStore(backend)
    await commits(store, 2)
    await store.ok(['branch', 'create', 'doomed'])
    await store.ok(['--branch', 'doomed', 'set', 'gone', 'soon'])
    await store.ok(['branch', 'delete', 'doomed'])
    const text = await store.ok(['gc', '--prune-expire', 'now'])
    // The deleted branch's commit, its tree and its new blob.
    expect(text).toMatch(/^scanned {3}(\d+) objects\nkept {6}\d+\nremoved {3}3 \(\d+ B freed\)\nyoung {5}0 unreachable kept for the grace period\nboundary {2}0 commits where history now ends\ntook {6}\d+\.\d\d s\n$/)
    expect((await store.json(['log'])).length).toBe(2)
    expect(await store.json(['gc'])).toMatchObject({ removed: 0, boundary: [] })
    expect((await store.run(['fsck'])).status).toBe(0)
  })

  it('gc --keep-since keeps the commits made since then, and each branch head', async () => {
    const store = await newStore(backend)
    await commits(store, 3)
    expect(await store.json(['gc', '--keep-since', '30d'])).toMatchObject({ removed: 0, boundary: [] })
    expect((await store.json(['log'])).length).toBe(3)
    const report = await store.json(['gc', '--keep-since', '2999-01-01', '--prune-expire', 'now'])
    expect(report.removed).toBeGreaterThan(0)
    expect((await store.json(['log'])).length).toBe(1)
    expect((await store.run(['fsck'])).status).toBe(0)
  })

  it('bad gc options are usage errors (exit 2), and nothing is collected', async () => {
    const store = await newStore(backend)
    await commits(store, 2)
    const fails = async (args: string[], message: string) => expect(await store.run(['gc', ...args])).toMatchObject({ status: 2, stdout: '', stderr: `${message}\n` })
    await fails(['--keep-commits', '0'], '--keep-commits takes a whole number from 1 to 9007199254740991, not "0"')
    await fails(['--keep-commits', 'two'], '--keep-commits takes a whole number from 1 to 9007199254740991, not "two"')
    const since = (text: string) => `--keep-since takes a duration back from now (90m, 12h, 30d, 2w) or a date (2026-01-01), not "${text}"`
    await fails(['--keep-since', 'soon'], since('soon'))
    await fails(['--keep-since', '12y'], since('12y'))
    await fails(['--keep-since', '2026-13-45'], since('2026-13-45'))
    await fails(['--keep-since'], 'option --keep-since needs a value (--keep-since WHEN)')
    await fails(['--prune-expire', 'bogus'], '--prune-expire takes now, never, a duration back from now (90m, 12h, 30d, 2w) or a date (2026-01-01), not "bogus"')
    expect((await store.json(['log'])).length).toBe(2)
  })
})

describe('gc --keep-since on history git made years ago', () => {
  it('drops the old commits and keeps the recent ones', async () => {
    const store = await newStore('git')
    const old = { GIT_AUTHOR_DATE: '2020-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z' }
    const blob = git(store.root, ['hash-object', '-w', '--stdin'], 'old').trim()
    const tree = git(store.root, ['mktree'], `100644 blob ${blob}\told\n`).trim()
    const first = git(store.root, ['commit-tree', tree, '-m', 'old 1'], undefined, old).trim()
    const second = git(store.root, ['commit-tree', tree, '-p', first, '-m', 'old 2'], undefined, old).trim()
    git(store.root, ['update-ref', 'refs/heads/main', second])
    const recent = await commits(store, 2)
    expect((await store.json(['log'])).length).toBe(4)
    // git wrote those objects a moment ago: the grace period keeps them, unless told otherwise.
    expect(await store.json(['gc', '--keep-since', '30d'])).toMatchObject({ removed: 0, keptYoung: 3 })
    const report = await store.json(['gc', '--keep-since', '30d', '--prune-expire', 'now'])
    // The two old commits and their tree; the old blob is in the recent trees too.
    expect(report).toMatchObject({ removed: 3, keptYoung: 0, boundary: [recent[0]] })
    expect((await store.json(['log'])).map((c: { id: string }) => c.id)).toEqual([recent[1], recent[0]])
    expect(await store.ok(['get', 'old'])).toBe('old\n')
    expect((await store.run(['fsck'])).status).toBe(0)
  })
})

describe('fsck on a damaged store', () => {
  it('git: names the missing object, the corrupt one and the dangling ref, and exits 1', async () => {
    const store = await newStore('git')
    await commits(store, 2)
    // irminsule writes packs; unpacked into loose objects, single objects can be damaged by hand.
    const packs = join(store.root, 'objects', 'pack')
    const aside = join(dir, `packs-${stores++}`)
    mkdirSync(aside)
    for (const file of readdirSync(packs)) renameSync(join(packs, file), join(aside, file))
    for (const file of readdirSync(aside).filter(f => f.endsWith('.pack'))) git(store.root, ['unpack-objects', '-q'], readFileSync(join(aside, file)))
    expect((await store.run(['fsck'])).status).toBe(0)
    const [missing, corrupt] = (await store.json(['list'])).map((e: { id: string }) => e.id)
    const loose = (id: string) => join(store.root, 'objects', id.slice(0, 2), id.slice(2))
    unlinkSync(loose(missing))
    writeFileSync(loose(corrupt), deflateSync('blob 5\0wrong'))
    const nowhere = 'deadbeef'.repeat(5)
    writeFileSync(join(store.root, 'refs', 'heads', 'ghost'), `${nowhere}\n`)

    const fsck = await store.run(['fsck'])
    expect(fsck.status).toBe(1)
    expect(fsck.stdout.split('\n').slice(4)).toEqual([
      `corrupt: object ${corrupt}: contents do not hash to the id`,
      `dangling-ref: ref refs/heads/ghost names ${nowhere}, which is missing`,
      `missing: object ${missing} is reachable from a ref but missing`,
      '',
    ])
    expect(fsck.stderr).toBe('the store is damaged: fsck found 3 problems\n')
    const asJson = await store.run(['--json', 'fsck'])
    expect(asJson.status).toBe(1)
    expect(JSON.parse(asJson.stdout).damage).toEqual([
      { kind: 'corrupt', id: corrupt, message: expect.any(String) },
      { kind: 'dangling-ref', ref: 'refs/heads/ghost', id: nowhere, message: expect.any(String) },
      { kind: 'missing', id: missing, message: expect.any(String) },
    ])
    expect(JSON.parse(asJson.stderr)).toEqual({ error: 'the store is damaged: fsck found 3 problems', code: 'EDAMAGED' })

    // A loose object that is not even zlib: the read fails, naming the object.
    writeFileSync(loose(corrupt), 'garbage')
    const unreadable = await store.run(['fsck'])
    expect(unreadable.status).toBe(1)
    expect(unreadable.stdout + unreadable.stderr).toContain(corrupt)
  })

  it('level: names the missing object and the dangling ref, and exits 1', async () => {
    const store = await newStore('level')
    await commits(store, 2)
    const [missing] = (await store.json(['list'])).map((e: { id: string }) => e.id)
    const nowhere = 'deadbeef'.repeat(5)
    damageLevelStore(store.root, missing, nowhere)
    const fsck = await store.run(['fsck'])
    expect(fsck).toMatchObject({ status: 1, stderr: 'the store is damaged: fsck found 2 problems\n' })
    expect(fsck.stdout.split('\n').slice(4)).toEqual([
      `dangling-ref: ref refs/heads/ghost names ${nowhere}, which is missing`,
      `missing: object ${missing} is reachable from a ref but missing`,
      '',
    ])
  })
})

/** Deletes object `id` and points `refs/heads/ghost` at `nowhere`, through the LevelDB backend (as a bug might). */
function damageLevelStore(root: string, id: string, nowhere: string): void {
  const script = `
    const { openLevelBackend } = await import(${JSON.stringify(join(PACKAGE_ROOT, 'dist/backends/level.js'))})
    const backend = await openLevelBackend(${JSON.stringify(root)})
    await backend.deleteObjects([${JSON.stringify(id)}])
    if (!(await backend.casRef('refs/heads/ghost', undefined, ${JSON.stringify(nowhere)}))) throw new Error('the ref is there')
    await backend.close()
  `
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`damaging the store failed: ${result.stderr}`)
}
