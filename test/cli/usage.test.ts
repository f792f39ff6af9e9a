/**
 * The command line's contract for mistakes and help: each mistake gets one specific line on
 * stderr and exit status 2 (the command line is wrong) or 1 (the command failed), `--json` gives
 * errors as JSON, `--debug` adds the stack, and a LevelDB store held by another process is waited
 * for and then reported.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, holdLevelStore, irmin } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)

const dir = tempDir('irmin-cli-usage-')
const level = join(dir, 'level')
const git = join(dir, 'git')
afterAll(() => removeDir(dir))

beforeAll(async () => {
  for (const [root, backend] of [
    [level, 'level'],
    [git, 'git'],
  ]) {
    expect((await irmin(['--root', root, '--backend', backend, 'init'])).status).toBe(0)
    expect((await irmin(['--root', root, 'set', 'a/b', 'hello'])).status).toBe(0)
  }
})

/** Runs irmin and expects exactly this failure: exit status, one line on stderr, nothing on stdout. */
async function fails(args: string[], status: number, line: string | RegExp): Promise<void> {
  const result = await irmin(args)
  expect(result.status, `irmin ${args.join(' ')}: ${result.stderr}`).toBe(status)
  expect(result.stdout).toBe('')
  expect(result.stderr.endsWith('\n') && result.stderr.indexOf('\n') === result.stderr.length - 1, `one line: ${result.stderr}`).toBe(true)
  if (typeof line === 'string') expect(result.stderr).toBe(`${line}\n`)
  else expect(result.stderr.trimEnd()).toMatch(line)
}

describe('usage errors exit 2 with a specific message', () => {
  it('no command, an unknown command', async () => {
    await fails([], 2, 'no command given (irmin --help lists the commands)')
    await fails(['frobnicate'], 2, 'unknown command "frobnicate" (irmin --help lists the commands)')
    await fails(['help', 'frobnicate'], 2, 'unknown command "frobnicate" (irmin --help lists the commands)')
  })

  it('missing and extra arguments', async () => {
    await fails(['--root', level, 'get'], 2, 'irmin get needs more arguments (usage: irmin get PATH)')
    await fails(['--root', level, 'set', 'a'], 2, 'irmin set needs more arguments (usage: irmin set PATH VALUE|- | PATH=VALUE... | - [-m MSG] [--author AUTHOR])')
    await fails(['--root', level, 'get', 'a', 'b'], 2, 'too many arguments for irmin get: b (usage: irmin get PATH)')
    await fails(['--root', level, 'branch', 'delete', 'x', 'y'], 2, 'too many arguments for irmin branch delete: y (usage: irmin branch delete NAME)')
  })

  it('unknown options, options without their value, values for flags', async () => {
    await fails(['--root', level, 'get', 'a/b', '--frob'], 2, 'unknown option --frob')
    await fails(['--root', level, 'get', '-x', 'a/b'], 2, 'unknown option -x')
    await fails(['--root', level, 'set', 'a', 'b', '-m'], 2, 'option -m needs a value (-m MSG)')
    await fails(['--root'], 2, 'option --root needs a value (--root DIR)')
    await fails(['--root', level, '--json=yes', 'get', 'a/b'], 2, 'option --json takes no value')
    await fails(['--root', level, 'log', '-n', 'many'], 2, '--max-count takes a whole number from 0 to 9007199254740991, not "many"')
    await fails(['serve', '--port', '70000'], 2, '--port takes a whole number from 0 to 65535, not "70000"')
  })

  it('bad paths', async () => {
    await fails(['--root', level, 'get', 'a//b'], 2, 'invalid path "a//b": empty step')
    await fails(['--root', level, 'get', '../x'], 2, 'invalid path "../x": step ".." is not allowed')
    await fails(['--root', level, 'set', 'a/./b', 'v'], 2, 'invalid path "a/./b": step "." is not allowed')
    await fails(['--root', level, 'get', '/'], 2, 'invalid path "/": the root is a directory, not a value')
    await fails(['--root', level, 'list', 'a//b'], 2, 'invalid path "a//b": empty step')
  })

  it('bad names and values', async () => {
    await fails(['--root', level, '--backend', 'cassandra', 'init'], 2, 'unknown backend "cassandra": choose level, git, postgres or memory')
    await fails(['--root', level, '--contents', 'xml', 'get', 'a/b'], 2, 'unknown contents "xml": choose string, json, bytes, counter, multiset, set, lww, log')
    await fails(['--root', level, '--contents', 'counter', 'set', 'k', '1.5'], 2, 'invalid value: the value is not a counter (a whole number): "1.5"')
    await fails(['--root', level, '--contents', 'set', 'set', 'k', '{"a": 1}'], 2, 'invalid value: a set is an array, got Object')
    await fails(['--root', level, '--contents', 'log', 'set', 'k', '[{"id": 1}]'], 2, 'invalid value: a log entry is { id: string, time: number, ... }')
    await fails(['--root', level, '--branch', 'a..b', 'get', 'a/b'], 2, 'invalid branch name "a..b": contains ".."')
    await fails(['--root', level, 'branch', 'create', 'bad name'], 2, 'invalid branch name "bad name": contains " "')
    await fails(['--root', level, '--contents', 'json', 'set', 'k', '{oops'], 2, 'invalid value: the value is not JSON: "{oops"')
    await fails(['--root', level, 'set', 'k', 'v', '--author', 'a<b'], 2, '--author takes "Name <email>", not "a<b"')
  })

  it('the memory backend outside serve', async () => {
    await fails(['--backend', 'memory', 'init'], 2, 'the memory backend does not persist: it only lives within one process (use it with irmin serve)')
    await fails(['--root', level, '--backend', 'memory', 'get', 'a/b'], 2, 'the memory backend does not persist: it only lives within one process (use it with irmin serve)')
  })
})

describe('failures exit 1 with a specific message', () => {
  it('get of a missing path prints "not found: PATH"', async () => {
    await fails(['--root', level, 'get', 'a/zz'], 1, 'not found: a/zz')
    await fails(['--root', git, 'get', 'nothing/here'], 1, 'not found: nothing/here')
    await fails(['--root', level, 'get', 'a'], 1, 'not a file: a is a directory')
  })

  it('a missing store, a file, a directory that is no store, the wrong backend', async () => {
    const missing = join(dir, 'missing')
    await fails(['--root', missing, 'get', 'a'], 1, `no irmin store at ${missing} (create one with: irmin --root ${missing} init)`)
    const empty = join(dir, 'empty')
    mkdirSync(empty)
    await fails(['--root', empty, 'log'], 1, `no irmin store at ${empty} (create one with: irmin --root ${empty} init)`)
    const file = join(dir, 'a-file')
    writeFileSync(file, 'not a store')
    await fails(['--root', file, 'get', 'a'], 1, `${file} is not an irmin store: it is a file, not a directory`)
    await fails(['--root', file, 'init'], 1, `${file} is not an irmin store: it is a file, not a directory`)
    const other = join(dir, 'other')
    mkdirSync(other)
    writeFileSync(join(other, 'notes.txt'), 'hello')
    await fails(['--root', other, 'get', 'a'], 1, `${other} is not an irmin store: the directory holds neither a LevelDB store, a git repository nor a PostgreSQL store description`)
    await fails(['--root', level, '--backend', 'git', 'get', 'a/b'], 1, `store ${level} is a level store, not git (commands after init detect the backend; drop --backend)`)
    await fails(['--root', git, '--backend', 'level', 'init'], 1, `store ${git} is a git store, not level (commands after init detect the backend; drop --backend)`)
  })

  it('$IRMIN_ROOT names the store when --root is absent', async () => {
    const result = await irmin(['get', 'a/b'], { env: { IRMIN_ROOT: git } })
    expect(result).toMatchObject({ status: 0, stdout: 'hello\n', stderr: '' })
    expect(await irmin(['get', 'a/b'], { cwd: dir })).toMatchObject({ status: 1, stderr: `no irmin store at ./.irmin (create one with: irmin --root ./.irmin init)\n` })
  })

  it('--json prints errors as JSON on stderr; --debug adds the stack', async () => {
    const result = await irmin(['--root', level, '--json', 'get', 'a/zz'])
    expect(result.status).toBe(1)
    expect(JSON.parse(result.stderr)).toEqual({ error: 'not found: a/zz', code: 'ENOTFOUND' })
    const usage = await irmin(['--json', 'frobnicate'])
    expect(usage.status).toBe(2)
    expect(JSON.parse(usage.stderr)).toEqual({ error: 'unknown command "frobnicate" (irmin --help lists the commands)', code: 'EUSAGE' })
    const debug = await irmin(['--root', level, '--debug', 'get', 'a/zz'])
    expect(debug.status).toBe(1)
    expect(debug.stderr).toMatch(/^NotFoundError: not found: a\/zz\n\s+at /)
  })
})

describe('a LevelDB store held by another process', () => {
  it('is waited for, then reported in one line', async () => {
    const holder = await holdLevelStore(level)
    try {
      const started = Date.now()
      const result = await irmin(['--root', level, 'get', 'a/b'], { env: { IRMIN_LOCK_WAIT_MS: '400' } })
      expect(result).toMatchObject({ status: 1, stdout: '', stderr: `store ${level} is in use by another process (a LevelDB store has one owner at a time)\n` })
      expect(Date.now() - started).toBeGreaterThanOrEqual(400)
    } finally {
      await holder.release()
    }
  })

  it('a command that finds it locked for a moment waits and succeeds', async () => {
    const holder = await holdLevelStore(level, 700)
    try {
      expect(await irmin(['--root', level, 'set', 'a/b', 'after the wait'])).toMatchObject({ status: 0, stderr: '' })
      expect(await irmin(['--root', level, 'get', 'a/b'])).toMatchObject({ status: 0, stdout: 'after the wait\n' })
    } finally {
      await holder.release()
    }
  })
})

describe('help', () => {
  it('irmin --help and irmin help list every command, the global options and the exit codes', async () => {
    const help = await irmin(['--help'])
    expect(help).toMatchObject({ status: 0, stderr: '' })
    for (const command of ['init', 'get PATH', 'set PATH VALUE|-', 'remove PATH', 'list [PATH]', 'tree [PATH]', 'log', 'branches', 'branch create', 'diff A [B]', 'show [COMMIT]', 'merge FROM', 'revert COMMIT', 'snapshot', 'watch [PATH | URL]', 'stats', 'dot FILE', 'import DIR', 'export DIR [COMMIT]', 'gc', 'fsck', 'serve', 'clone URL DIR', 'fetch [REMOTE|URL] [BRANCH]', 'remote list', 'pull [REMOTE|URL] [BRANCH]', 'push [REMOTE|URL] [BRANCH]']) {
      expect(help.stdout).toMatch(new RegExp(`\\n {2}${command.replace(/[[\]|]/g, c => `\\${c}`)}\\s`))
    }
    for (const option of ['--root DIR', '--backend NAME', '--branch NAME', '--contents KIND', '--json', '--debug']) expect(help.stdout).toContain(option)
    expect(help.stdout).toContain('memory does not persist')
    expect(help.stdout).toContain('exit status: 0 success, 1 failure (not found, no store, store in use, ...), 2 usage error')
    expect((await irmin(['help'])).stdout).toBe(help.stdout)
    expect(await irmin(['--version'])).toMatchObject({ status: 0, stdout: 'irmin 0.1.0\n' })
  })

  it('every command has --help, also with missing arguments', async () => {
    for (const command of ['init', 'get', 'set', 'remove', 'list', 'tree', 'log', 'branches', 'branch', 'diff', 'show', 'merge', 'revert', 'snapshot', 'watch', 'stats', 'dot', 'import', 'export', 'gc', 'fsck', 'serve', 'clone', 'fetch', 'remote', 'pull', 'push', 'help']) {
      const result = await irmin([command, '--help'])
      expect(result.status, command).toBe(0)
      expect(result.stdout, command).toMatch(new RegExp(`^usage: irmin ${command}\\b[^\\n]*\\n\\n.+`))
    }
    expect((await irmin(['help', 'set'])).stdout).toBe((await irmin(['set', '-h'])).stdout)
    expect((await irmin(['set', '--help'])).stdout).toContain('-m, --message MSG')
    const merge = (await irmin(['merge', '--help'])).stdout
    for (const option of ['--into BRANCH', '-m, --message MSG', '--author AUTHOR', '--conflicts HOW', '--no-ff']) expect(merge).toContain(option)
    expect((await irmin(['revert', '--help'])).stdout).toContain('--conflicts HOW')
    expect((await irmin(['gc', '--help'])).stdout).toMatch(/--keep-commits N[^\n]*\n\s+--keep-since WHEN/)
    expect((await irmin(['fsck', '--help'])).stdout).toContain('Exits 0 when the store\nis sound and 1 when it is damaged')
  })
})
