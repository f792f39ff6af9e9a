/**
 * `irmin import DIR` and `irmin export DIR`: a directory tree with nested files, binary content,
 * an executable and a symbolic link goes into one commit and comes back out byte for byte.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { git, removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, irmin } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)

/** Every file under `dir`: path → bytes (a link: its target), with `x` marking executables. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name)
      const info = lstatSync(path)
      const key = relative(dir, path)
      if (info.isDirectory()) walk(path)
      else if (info.isSymbolicLink()) files[key] = `link → ${readlinkSync(path)}`
      else files[key] = `${info.mode & 0o100 ? 'x ' : ''}${readFileSync(path).toString('base64')}`
    }
  }
  walk(dir)
  return files
}

describe.each(['level', 'git'] as const)('import and export on a %s store', backend => {
  const dir = tempDir(`irmin-cli-files-${backend}-`)
  const root = join(dir, 'store')
  const source = join(dir, 'source')
  afterAll(() => removeDir(dir))

  beforeAll(async () => {
    mkdirSync(join(source, 'docs', 'deep', 'deeper'), { recursive: true })
    mkdirSync(join(source, 'empty'))
    writeFileSync(join(source, 'README.md'), '# hello\n')
    writeFileSync(join(source, 'docs', 'guide.txt'), 'a guide\n')
    writeFileSync(join(source, 'docs', 'deep', 'deeper', 'leaf.json'), '{"a": 1}')
    writeFileSync(join(source, 'image.bin'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)))
    writeFileSync(join(source, 'run.sh'), '#!/bin/sh\necho hi\n')
    chmodSync(join(source, 'run.sh'), 0o755)
    symlinkSync('docs/guide.txt', join(source, 'guide-link'))
    expect((await irmin(['--root', root, '--backend', backend, 'init'])).status).toBe(0)
  })

  it('import makes one commit of the whole tree; export writes it back byte for byte', async () => {
    const imported = await irmin(['--root', root, '--contents', 'bytes', 'import', source, '-m', 'import the files'])
    expect(imported).toMatchObject({ status: 0, stderr: `imported 6 files from ${source}\n` })
    expect(imported.stdout).toMatch(/^[0-9a-f]{40}\n$/)
    const log = JSON.parse((await irmin(['--root', root, '--json', 'log'])).stdout)
    expect(log.map((c: { message: string }) => c.message)).toEqual(['import the files'])
    expect((await irmin(['--root', root, 'get', 'docs/deep/deeper/leaf.json'])).stdout).toBe('{"a": 1}\n')

    const target = join(dir, 'exported')
    const exported = await irmin(['--root', root, 'export', target])
    expect(exported).toMatchObject({ status: 0, stderr: '', stdout: `exported 6 files of ${imported.stdout.trim()} to ${target}\n` })
    const expected = snapshot(source)
    expect(Object.keys(expected)).toHaveLength(6)
    expect(snapshot(target)).toEqual(expected)
    expect(existsSync(join(target, 'empty'))).toBe(false)
  })

  it('import --replace replaces the tree: files no longer in DIR are removed', async () => {
    const smaller = join(dir, 'smaller')
    mkdirSync(join(smaller, 'docs'), { recursive: true })
    writeFileSync(join(smaller, 'docs', 'guide.txt'), 'a new guide\n')
    expect((await irmin(['--root', root, 'import', smaller, '--replace'])).status).toBe(0)
    expect((await irmin(['--root', root, 'tree'])).stdout).toBe('docs/guide.txt ... "a new guide\\n"\n')
    const diff = (await irmin(['--root', root, 'diff', '--oneline', (await log(root))[1], 'main'])).stdout.trimEnd().split('\n')
    expect(diff.map(line => line.split(' ').slice(0, 2).join(' '))).toEqual([
      '- README.md',
      '- docs/deep/deeper/leaf.json',
      '* docs/guide.txt',
      '- guide-link',
      '- image.bin',
      '- run.sh',
    ])
  })

  it('export COMMIT writes an older commit; export refuses a non-empty target', async () => {
    const first = (await log(root))[1]
    const target = join(dir, 'older')
    expect((await irmin(['--root', root, 'export', target, first.slice(0, 8)])).status).toBe(0)
    expect(snapshot(target)).toEqual(snapshot(source))
    expect(await irmin(['--root', root, 'export', target])).toMatchObject({ status: 1, stderr: `export target ${target} exists and is not an empty directory\n` })
  })

  it('import stores binary files as bytes with string contents; json contents refuse a file that is not JSON, naming it', async () => {
    const copy = join(dir, 'binary-store')
    expect((await irmin(['--root', copy, 'init'])).status).toBe(0)
    expect((await irmin(['--root', copy, 'import', source])).status).toBe(0)
    const image = await irmin(['--root', copy, '--contents', 'bytes', 'get', 'image.bin'])
    expect(new Uint8Array(image.bytes)).toEqual(new Uint8Array(readFileSync(join(source, 'image.bin'))))
    const result = await irmin(['--root', copy, '--contents', 'json', 'import', source])
    expect(result).toMatchObject({ status: 2, stdout: '', stderr: expect.stringMatching(/^invalid value: .* is not (JSON|UTF-8 text)/) })
    expect(await irmin(['--root', root, 'import', join(dir, 'nothing')])).toMatchObject({ status: 2, stderr: `import needs a directory: ${join(dir, 'nothing')} is not there\n` })
  })

  if (backend === 'git') {
    it('git checks out the imported tree with the same modes', async () => {
      const first = (await log(root))[1]
      const modes = git(root, ['ls-tree', '-r', first]).trimEnd().split('\n').map(line => `${line.split(' ')[0]} ${line.split('\t')[1]}`)
      expect(modes).toEqual(['100644 README.md', '100644 docs/deep/deeper/leaf.json', '100644 docs/guide.txt', '120000 guide-link', '100644 image.bin', '100755 run.sh'])
    })
  }
})

async function log(root: string): Promise<string[]> {
  return JSON.parse((await irmin(['--root', root, '--json', 'log'])).stdout).map((c: { id: string }) => c.id)
}
