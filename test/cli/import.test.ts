/**
 * `irmin import DIR [--prefix P] [--replace]`: the rest of the branch stays unless --replace;
 * binary files are stored byte for byte beside text; and a directory of 100 MB (binary and text
 * files) imports in bounded memory and exports back identical. Memory is the importing process's
 * peak anonymous resident memory (RssAnon in /proc, sampled every 10 ms): LevelDB maps its table
 * files into the process, and those pages (page cache, given back under pressure) would make the
 * total resident size follow the data written.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { git, removeDir, tempDir } from '../helpers/git.js'
import { ensureBuilt, IRMIN_BIN, newCliStore } from '../helpers/irmin-cli.js'

beforeAll(ensureBuilt)
const dir = tempDir('irmin-import-')
afterAll(() => removeDir(dir))

function files(root: string, tree: Record<string, string | Uint8Array>): string {
  for (const [path, contents] of Object.entries(tree)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), contents)
  }
  return root
}

/** Runs node ARGS, sampling its /proc status: the peak RssAnon and VmHWM (KiB), and its stderr. */
function peakAnonymousMemory(args: string[]): Promise<{ kib: number; hwmKib: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, IRMIN_ROOT: '', GIT_CONFIG_GLOBAL: '/dev/null' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    let kib = 0
    let hwmKib = 0
    child.stderr.on('data', chunk => (stderr += chunk))
    const sample = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
        kib = Math.max(kib, Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0))
        hwmKib = Math.max(hwmKib, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0))
      } catch {
        // exited between two samples
      }
    }, 10)
    child.on('error', reject)
    child.on('close', status => {
      clearInterval(sample)
      if (status !== 0) reject(new Error(`irmin ${args.join(' ')} exited ${status}: ${stderr}`))
      else resolve({ kib, hwmKib, stderr })
    })
  })
}

describe.each(['level', 'git'] as const)('import on a %s store', backend => {
  it('keeps the rest of the branch, imports under --prefix, and replaces only with --replace', async () => {
    const store = await newCliStore(join(dir, `${backend}-keep`), backend)
    await store.ok(['set', 'keep/me', 'yes'])
    await store.ok(['set', 'docs/old', 'old page'])
    const docs = files(join(dir, `${backend}-docs`), { 'new.md': '# new\n', 'img/logo.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff]) })
    chmodSync(join(docs, 'new.md'), 0o755)
    const imported = await store.run(['import', docs, '--prefix', 'docs', '-m', 'import docs'])
    expect(imported).toMatchObject({ status: 0, stderr: `imported 2 files from ${docs}\n` })
    expect(await store.ok(['list', 'docs'])).toBe('img/\nnew.md\nold\n')
    expect(await store.ok(['get', 'keep/me'])).toBe('yes\n')
    expect(new Uint8Array((await store.run(['--contents', 'bytes', 'get', 'docs/img/logo.png'])).bytes)).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff]))
    expect((await store.json(['list', 'docs'])).find((e: { name: string }) => e.name === 'new.md')).toBeDefined()
    expect((await store.json(['show', '-s'])).message).toMatch(/^import docs/)
    expect((await store.run(['import', docs, '--prefix', 'docs', '--replace'])).status).toBe(0)
    expect(await store.ok(['list', 'docs'])).toBe('img/\nnew.md\n')
    expect(await store.ok(['get', 'keep/me'])).toBe('yes\n')
    const again = await store.run(['import', docs, '--prefix', 'docs'])
    expect(again.stderr).toContain('nothing changed: no commit made')
    expect((await store.run(['import', docs, '--replace'])).status).toBe(0)
    expect(await store.ok(['list'])).toBe('img/\nnew.md\n')
    expect((await store.run(['import', docs, '--prefix', '../x'])).status).toBe(2)
    if (backend === 'git') git(store.root, ['fsck', '--strict', '--no-dangling'])
    expect(await store.run(['fsck'])).toMatchObject({ status: 0 })
  })
})

describe('import beside other writers and gc', () => {
  it('lands with writes and collections of other processes running beside it; fsck finds nothing wrong', async () => {
    const store = await newCliStore(join(dir, 'busy.git'), 'git')
    await store.ok(['set', 'base', '0'])
    const tree: Record<string, string | Uint8Array> = {}
    for (let i = 0; i < 300; i++) tree[`d${i % 10}/f${i}`] = i % 3 ? `text ${i}\n` : randomBytes(2000)
    const source = files(join(dir, 'busy-files'), tree)
    const others = Promise.all([
      ...Array.from({ length: 6 }, (_, i) => store.run(['set', `other/${i}`, String(i)])),
      store.run(['gc']),
      store.run(['gc', '--keep-commits', '2']),
    ])
    const imported = await store.run(['import', source, '--prefix', 'imported'])
    expect(imported.status).toBe(0)
    for (const result of await others) expect(result.status, result.stderr).toBe(0)
    expect(await store.ok(['list'])).toBe('base\nimported/\nother/\n')
    expect((await store.ok(['list', 'other'])).trim().split('\n')).toHaveLength(6)
    expect((await store.json(['tree', 'imported'])).length).toBe(300)
    const fsck = await store.run(['fsck'])
    expect(fsck.status, fsck.stdout + fsck.stderr).toBe(0)
    git(store.root, ['fsck', '--strict', '--no-dangling'])
  })
})

describe('a 100 MB import', () => {
  it('runs in bounded memory and exports back identical', async () => {
    const source = join(dir, 'big')
    const sums = new Map<string, string>()
    // 80 MB of incompressible binary files and 20 MB of text, in a few directories.
    for (let i = 0; i < 160; i++) {
      const path = join(source, `bin${i % 8}`, `blob-${i}.bin`)
      const bytes = randomBytes(512 * 1024)
      files(source, { [`bin${i % 8}/blob-${i}.bin`]: bytes })
      sums.set(path.slice(source.length + 1), createHash('sha1').update(bytes).digest('hex'))
    }
    for (let i = 0; i < 200; i++) {
      const text = `text file ${i}\n`.repeat(100 * 1024 / 16).slice(0, 100 * 1024)
      files(source, { [`text/${i}.txt`]: text })
      sums.set(`text/${i}.txt`, createHash('sha1').update(text).digest('hex'))
    }
    const store = await newCliStore(join(dir, 'big-store'), 'level')
    const peak = await peakAnonymousMemory([IRMIN_BIN, '--root', store.root, 'import', source])
    expect(peak.stderr).toBe(`imported 360 files from ${source}\n`)
    const peakMiB = peak.kib / 1024
    console.log(`irmin import of 100 MB: peak anonymous memory ${peakMiB.toFixed(0)} MiB, peak resident ${(peak.hwmKib / 1024).toFixed(0)} MiB`)
    expect(peakMiB).toBeLessThan(160)
    const target = join(dir, 'big-export')
    expect((await store.run(['export', target])).status).toBe(0)
    const exported = new Map<string, string>()
    for (const sub of readdirSync(target)) {
      for (const name of readdirSync(join(target, sub))) exported.set(`${sub}/${name}`, createHash('sha1').update(readFileSync(join(target, sub, name))).digest('hex'))
    }
    expect(exported).toEqual(sums)
  })
})
