/**
 * Every command of the real `irmin` binary, on a LevelDB store and on a git store: one session
 * per backend (the tests of a backend run in order and build on each other), checking stdout,
 * stderr and the exit status, and the `--json` output of each command parsed.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin, type IrminResult } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)

const ID = /^[0-9a-f]{40}$/

/** The result, checked to have succeeded with nothing on stderr. */
function ok(result: IrminResult): IrminResult {
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' })
  return result
}

describe.each(['level', 'git'] as const)('irmin on a %s store', backend => {
  const dir = tempDir(`irmin-cli-${backend}-`)
  const root = join(dir, 'store')
  const run = (args: string[], input?: string | Uint8Array) => irmin(['--root', root, ...args], { input })
  const json = async (args: string[]) => JSON.parse(ok(await run(['--json', ...args])).stdout)
  afterAll(() => removeDir(dir))

  it('init creates the store, and again changes nothing', async () => {
    expect(ok(await run(['--backend', backend, 'init'])).stdout).toBe(`created a ${backend} store in ${root}\n`)
    expect(await json(['init'])).toEqual({ root, backend, created: false })
  })

  it('set prints the new commit id; get prints the value', async () => {
    const first = ok(await run(['set', 'a/b', 'hello', '-m', 'first commit', '--author', 'Ada <ada@example.org>'])).stdout.trim()
    expect(first).toMatch(ID)
    expect(ok(await run(['get', 'a/b'])).stdout).toBe('hello\n')
    expect(ok(await run(['get', '/a/b/'])).stdout).toBe('hello\n')
    expect(await json(['set', 'a/c', 'world'])).toEqual({ commit: expect.stringMatching(ID), changed: true })
    expect(await json(['get', 'a/c'])).toEqual({ path: 'a/c', value: 'world' })
  })

  it('set - reads the value from standard input, byte for byte', async () => {
    ok(await run(['set', 'notes/multi', '-'], 'line one\nline two\n'))
    expect(ok(await run(['get', 'notes/multi'])).stdout).toBe('line one\nline two\n\n')
    expect(ok(await run(['--contents', 'bytes', 'get', 'notes/multi'])).stdout).toBe('line one\nline two\n')
  })

  it('setting the same value again makes no commit and says so', async () => {
    const before = ok(await run(['snapshot'])).stdout
    const again = await run(['set', 'a/b', 'hello'])
    expect(again).toMatchObject({ status: 0, stdout: before, stderr: 'nothing changed: no commit made\n' })
    expect(await json(['set', 'a/b', 'hello'])).toEqual({ commit: before.trim(), changed: false })
  })

  it('json contents are checked and stored canonically; bytes contents are exact', async () => {
    ok(await run(['--contents', 'json', 'set', 'config', '{"b": 2, "a": [1, true, null]}']))
    expect(ok(await run(['--contents', 'json', 'get', 'config'])).stdout).toBe('{"a":[1,true,null],"b":2}\n')
    expect(await json(['--contents', 'json', 'get', 'config'])).toEqual({ path: 'config', value: { a: [1, true, null], b: 2 } })
    const binary = new Uint8Array([0, 255, 1, 254, 10, 13])
    ok(await run(['--contents', 'bytes', 'set', 'bin/blob', '-'], binary))
    expect(new Uint8Array(ok(await run(['--contents', 'bytes', 'get', 'bin/blob'])).bytes)).toEqual(binary)
    expect(await json(['--contents', 'bytes', 'get', 'bin/blob'])).toEqual({ path: 'bin/blob', value: Buffer.from(binary).toString('base64'), encoding: 'base64' })
    // bin was written with --contents bytes: that type is recorded, and a read without the flag uses it.
    expect(new Uint8Array(ok(await run(['get', 'bin/blob'])).bytes)).toEqual(binary)
    const asText = await run(['--contents', 'string', 'get', 'bin/blob'])
    expect(asText).toMatchObject({ status: 2, stdout: '' })
    expect(asText.stderr).toBe('bin holds bytes contents (recorded when written with --contents bytes), not string: drop --contents, or give --contents bytes\n')
  })

  it('list shows the entries of a directory, directories with a trailing /', async () => {
    expect(ok(await run(['list'])).stdout).toBe('a/\nbin/\nconfig\nnotes/\n')
    expect(ok(await run(['list', 'a'])).stdout).toBe('b\nc\n')
    const entries = await json(['list'])
    expect(entries.map((e: { name: string; kind: string }) => [e.name, e.kind])).toEqual([
      ['a', 'dir'],
      ['bin', 'dir'],
      ['config', 'file'],
      ['notes', 'dir'],
    ])
    expect(entries.every((e: { id: string }) => ID.test(e.id))).toBe(true)
    expect(await run(['list', 'a/b'])).toMatchObject({ status: 1, stderr: 'not a directory: a/b\n' })
    expect(await run(['list', 'zz'])).toMatchObject({ status: 1, stderr: 'not found: zz\n' })
  })

  it('tree lists every value with its path, aligned', async () => {
    expect(ok(await run(['tree', 'a'])).stdout).toBe('a/b ... hello\na/c ... world\n')
    const all = ok(await run(['tree'])).stdout.trimEnd().split('\n')
    expect(all.map(line => line.split(' ')[0])).toEqual(['a/b', 'a/c', 'bin/blob', 'config', 'notes/multi'])
    expect(all[2]).toMatch(/^bin\/blob \.+ <6 bytes: 00ff01fe0a0d>$/)
    expect(all[4]).toBe('notes/multi ... "line one\\nline two\\n"')
    expect(await json(['tree', 'bin'])).toEqual([{ path: 'bin/blob', value: 'AP8B/goN', encoding: 'base64' }])
    expect(await json(['tree', 'a'])).toEqual([
      { path: 'a/b', value: 'hello' },
      { path: 'a/c', value: 'world' },
    ])
    expect(ok(await run(['tree', 'a/b'])).stdout).toBe('a/b ... hello\n')
  })

  it('log shows the history newest first, in git formats', async () => {
    const commits = await json(['log'])
    expect(commits).toHaveLength(5)
    expect(commits.map((c: { message: string }) => c.message)).toEqual(['set bin/blob', 'set config', 'set notes/multi', 'set a/c', 'first commit'])
    expect(commits[4]).toMatchObject({ author: 'Ada <ada@example.org>', parents: [] })
    expect(commits[0].parents).toEqual([commits[1].id])
    const oneline = ok(await run(['log', '--oneline', '-n', '2'])).stdout
    expect(oneline).toBe(`${commits[0].id.slice(0, 7)} (main) set bin/blob\n${commits[1].id.slice(0, 7)} set config\n`)
    const medium = ok(await run(['log', '-n', '1'])).stdout
    expect(medium).toMatch(new RegExp(`^commit ${commits[0].id} \\(main\\)\\nAuthor: irminsule <irminsule@localhost>\\nDate:   \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0000\\n\\n    set bin/blob\\n$`))
  })

  it('branch create, branches, and log --all --graph with a fork', async () => {
    const main = ok(await run(['snapshot'])).stdout.trim()
    expect(ok(await run(['branch', 'create', 'feature'])).stdout).toBe(`created branch feature at ${main}\n`)
    ok(await run(['--branch', 'feature', 'set', 'f', 'on feature', '-m', 'feature work']))
    ok(await run(['set', 'm', 'on main', '-m', 'main work']))
    const branches = await json(['branches'])
    expect(branches.map((b: { name: string }) => b.name)).toEqual(['feature', 'main'])
    expect(ok(await run(['--branch', 'feature', 'branches'])).stdout).toMatch(/^\* feature {2}[0-9a-f]{7}\n {2}main {5}[0-9a-f]{7}\n$/)
    // The two branch heads have the same date (to the second), so either may come first.
    const graph = ok(await run(['log', '--all', '--graph', '--oneline', '-n', '4'])).stdout.split('\n')
    const heads = ['(main) main work', '(feature) feature work']
    expect(graph.map(line => line.replace(/[0-9a-f]{7} /, ''))).toEqual([
      expect.stringMatching(/^\* \((main|feature)\) \w+ work$/),
      expect.stringMatching(/^\| \* \((main|feature)\) \w+ work$/),
      '|/',
      '* set bin/blob',
      '* set config',
      '',
    ])
    expect([graph[0].slice(10), graph[1].slice(12)].sort()).toEqual(heads.sort())
    expect(ok(await run(['--branch', 'feature', 'get', 'f'])).stdout).toBe('on feature\n')
    expect(await run(['get', 'f'])).toMatchObject({ status: 1, stderr: 'not found: f\n' })
  })

  it('branch create FROM takes a commit prefix; branch delete removes a branch', async () => {
    const commits = await json(['log'])
    const oldest = commits[commits.length - 1].id
    expect(ok(await run(['branch', 'create', 'old', oldest.slice(0, 8)])).stdout).toBe(`created branch old at ${oldest}\n`)
    expect(ok(await run(['--branch', 'old', 'tree'])).stdout).toBe('a/b ... hello\n')
    expect(await json(['branch', 'delete', 'old'])).toEqual({ branch: 'old', deleted: true, was: oldest })
    expect(await run(['branch', 'delete', 'old'])).toMatchObject({ status: 1, stderr: 'not found: branch old\n' })
    expect(await run(['branch', 'create', 'feature'])).toMatchObject({ status: 1, stderr: 'branch already exists: feature\n' })
    expect(await run(['branch', 'rename', 'x'])).toMatchObject({ status: 2 })
  })

  it('diff compares branches, ids and prefixes', async () => {
    const expected = ['+ f on feature', '- m on main']
    expect(ok(await run(['diff', '--oneline', 'main', 'feature'])).stdout.trimEnd().split('\n')).toEqual(expected)
    const [mainId, featureId] = [ok(await run(['snapshot'])).stdout.trim(), ok(await run(['--branch', 'feature', 'snapshot'])).stdout.trim()]
    expect(ok(await run(['diff', '--oneline', mainId, featureId.slice(0, 10)])).stdout.trimEnd().split('\n')).toEqual(expected)
    ok(await run(['--branch', 'feature', 'set', 'a/b', 'changed']))
    const changes = await json(['diff', 'main', 'feature'])
    expect(changes).toEqual({
      a: mainId,
      b: expect.stringMatching(ID),
      changes: [
        { path: 'a/b', kind: 'updated', before: 'hello', after: 'changed', hunks: [expect.objectContaining({ oldStart: 1, newStart: 1 })] },
        { path: 'f', kind: 'added', after: 'on feature', hunks: [expect.objectContaining({ oldStart: 0, oldLines: 0, newLines: 1 })] },
        { path: 'm', kind: 'removed', before: 'on main', hunks: [expect.objectContaining({ newStart: 0, newLines: 0, oldLines: 1 })] },
      ],
    })
    expect(ok(await run(['diff', '--oneline', 'feature', 'main'])).stdout.split('\n')[0]).toBe('* a/b changed → hello')
    expect(ok(await run(['diff', 'main', 'main'])).stdout).toBe('')
    expect(await run(['diff', 'main', 'nosuch'])).toMatchObject({ status: 1, stderr: 'not found: branch or commit nosuch\n' })
  })

  it('snapshot prints the head id', async () => {
    const head = (await json(['log', '-n', '1']))[0].id
    expect(ok(await run(['snapshot'])).stdout).toBe(`${head}\n`)
    expect(await json(['snapshot'])).toEqual({ branch: 'main', commit: head })
    expect(await run(['--branch', 'empty', 'snapshot'])).toMatchObject({ status: 1, stderr: 'not found: branch empty (it has no commits)\n' })
  })

  it('remove makes a commit; removing a missing path is not found', async () => {
    expect(ok(await run(['remove', 'a', '-m', 'drop a'])).stdout).toMatch(/^[0-9a-f]{40}\n$/)
    expect(await run(['get', 'a/b'])).toMatchObject({ status: 1, stdout: '', stderr: 'not found: a/b\n' })
    expect((await json(['log', '-n', '1']))[0].message).toBe('drop a')
    expect(await run(['remove', 'a'])).toMatchObject({ status: 1, stderr: 'not found: a\n' })
  })

  it('stats counts objects by type, branches and sizes', async () => {
    const stats = await json(['stats'])
    const commits = new Set([...(await json(['log', '--all'])).map((c: { id: string }) => c.id)])
    expect(stats).toMatchObject({ root, backend, branches: 2, commits: commits.size, tags: 0 })
    expect(stats.objects).toBe(stats.commits + stats.trees + stats.blobs + stats.tags)
    expect(stats.blobs).toBeGreaterThanOrEqual(8)
    expect(stats.objectBytes).toBe(Object.values(stats.bytesByType as Record<string, number>).reduce((a, b) => a + b, 0))
    expect(stats.diskBytes).toBeGreaterThan(0)
    const text = ok(await run(['stats'])).stdout
    expect(text).toContain(`store     ${root} (${backend})`)
    expect(text).toMatch(new RegExp(`\\n {2}commits +${stats.commits} `))
    expect(text).toContain('branches  2\n')
  })

  it('dot writes a Graphviz graph with one node per commit and an edge per parent', async () => {
    const file = join(dir, 'history.dot')
    expect(ok(await run(['dot', file])).stdout).toMatch(/^wrote \d+ commits and 2 branches to /)
    const dot = readFileSync(file, 'utf8')
    const commits = await json(['log', '--all'])
    expect(dot.startsWith('digraph history {\n')).toBe(true)
    for (const c of commits) expect(dot).toContain(`"${c.id}" [label="${c.id.slice(0, 7)}\\n${c.message}"];`)
    const edges = dot.match(/^ {2}"[0-9a-f]{40}" -> "[0-9a-f]{40}";$/gm) ?? []
    expect(edges).toHaveLength(commits.reduce((n: number, c: { parents: string[] }) => n + c.parents.length, 0))
    expect(ok(await run(['dot', '-'])).stdout).toBe(dot)
  })
})
