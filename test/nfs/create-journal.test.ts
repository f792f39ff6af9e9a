/**
 * The CREATE journal: a create answered but not yet committed survives a crash (the server
 * replays it at start), and one a commit took in is never replayed — not even when the file was
 * removed or renamed since. A crash is simulated by copying the journal file while it is open.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { CreateJournal } from '../../nfs-export/create-journal.js'
import { WorkingTree } from '../../nfs-export/working-tree.js'

const dirs: string[] = []
afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }) })

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

async function setup() {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
  const main = repo.branch('main')
  await main.set(['keep'], new Uint8Array([1]))
  const dir = tempDir('irmin-nfs-journal-')
  const open = async (journal: CreateJournal | undefined) =>
    WorkingTree.open({ store: main, treeOf: id => repo.treeOf(id), readOnly: false, author: 'test <t@t>', idleMs: 60_000, maxFileSize: 1 << 20, onError: () => {}, journal })
  return { repo, main, dir, open }
}

describe('create journal', () => {
  it('replays a create no commit holds, after a crash', async () => {
    const { main, dir, open } = await setup()
    const wt = await open(await CreateJournal.open(join(dir, 'j')))
    await wt.create(['new'], true, true)
    await wt.mkdir(['sub']) // an empty directory lives in memory only; the replayed create makes it
    await wt.create(['sub', 'exec'], true, true, '100755')
    expect(await main.find(['new'])).toBeUndefined() // journaled, not committed
    copyFileSync(join(dir, 'j'), join(dir, 'crashed'))
    const after = await open(await CreateJournal.open(join(dir, 'crashed')))
    expect(await main.find(['new'])).toEqual(new Uint8Array(0))
    expect(await (await main.tree()).entryKey(['sub', 'exec'])).toMatch(/^100755 /)
    expect((await main.head())!.message).toContain('create new (journaled before a crash)')
    expect(await after.stat(['new'])).toMatchObject({ kind: 'file', size: 0 })
    // Replayed once: a second start finds nothing to do.
    await after.close()
    const head = await main.headId()
    await (await open(await CreateJournal.open(join(dir, 'crashed')))).close()
    expect(await main.headId()).toBe(head)
    await wt.close()
  })

  it('a damaged journal replays its records up to the damage, and a foreign file is started afresh', async () => {
    const { main, dir, open } = await setup()
    const wt = await open(await CreateJournal.open(join(dir, 'j')))
    await wt.create(['first'], true, true)
    await wt.create(['second'], true, true)
    const bytes = readFileSync(join(dir, 'j'))
    const second = bytes.indexOf('"second"')
    expect(second).toBeGreaterThan(0)
    bytes[second + 2] ^= 0xff // the second record's checksum no longer matches
    writeFileSync(join(dir, 'damaged'), bytes)
    const after = await open(await CreateJournal.open(join(dir, 'damaged')))
    expect(await main.find(['first'])).toEqual(new Uint8Array(0))
    expect(await main.find(['second'])).toBeUndefined()
    await after.close()
    // Not a journal at all (no magic): opened as a new, empty one; nothing replayed, nothing thrown.
    writeFileSync(join(dir, 'foreign'), Buffer.alloc(5000, 'x'))
    const head = await main.headId()
    await (await open(await CreateJournal.open(join(dir, 'foreign')))).close()
    expect(await main.headId()).toBe(head)
    await wt.close()
  })

  it('does not bring back a create that a commit took in, then removed', async () => {
    const { main, dir, open } = await setup()
    const wt = await open(await CreateJournal.open(join(dir, 'j')))
    await wt.create(['gone'], true, true)
    await wt.write(['gone'], 0, new Uint8Array([7]))
    await wt.flush() // takes the create in; the journal's reset is not synced yet
    await main.remove(['gone']) // another writer removes it
    await wt.create(['kept'], true, true)
    copyFileSync(join(dir, 'j'), join(dir, 'crashed'))
    await (await open(await CreateJournal.open(join(dir, 'crashed')))).close()
    expect(await main.find(['gone'])).toBeUndefined()
    expect(await main.find(['kept'])).toEqual(new Uint8Array(0))
    await wt.close()
  })

  it('keeps a record whose reset was lost: it is skipped because a commit after its base holds the path', async () => {
    const { main, dir, open } = await setup()
    const journal = (await CreateJournal.open(join(dir, 'j')))!
    const base = await main.headId()
    journal.append({ base, path: ['moved'], mode: '100644' })
    await main.set(['moved'], new Uint8Array([1]), { message: 'the commit that took it in' })
    await main.remove(['moved'])
    copyFileSync(join(dir, 'j'), join(dir, 'crashed'))
    await (await open(await CreateJournal.open(join(dir, 'crashed')))).close()
    expect(await main.find(['moved'])).toBeUndefined()
    await journal.close()
  })

  it('does not replay a create whose base the branch no longer reaches', async () => {
    const { main, dir, open } = await setup()
    const journal = (await CreateJournal.open(join(dir, 'j')))!
    journal.append({ base: 'f'.repeat(40), path: ['elsewhere'], mode: '100644' })
    copyFileSync(join(dir, 'j'), join(dir, 'crashed'))
    await (await open(await CreateJournal.open(join(dir, 'crashed')))).close()
    expect(await main.find(['elsewhere'])).toBeUndefined()
    await journal.close()
  })

  it('a second journal on the same file in one process is refused (the export then commits each create)', async () => {
    const { dir } = await setup()
    const journal = (await CreateJournal.open(join(dir, 'j')))!
    expect(await CreateJournal.open(join(dir, 'j'))).toBeUndefined()
    await journal.close()
    const again = await CreateJournal.open(join(dir, 'j'))
    expect(again?.found).toEqual([])
    await again?.close()
  })
})

describe('file syncer', () => {
  it('syncs on its worker while the caller works, and reports a failed sync', async () => {
    const { FileSyncer } = await import('../../nfs-export/file-syncer.js')
    const { openSync, closeSync, writeSync } = await import('node:fs')
    const dir = tempDir('irmin-nfs-syncer-')
    const fd = openSync(join(dir, 'f'), 'w+')
    const syncer = new FileSyncer(fd)
    expect(syncer.wait()).toBe(false) // nothing started
    writeSync(fd, 'record')
    syncer.start()
    expect(syncer.wait()).toBe(true)
    await syncer.close()
    closeSync(fd)
    const bad = new FileSyncer(-1) // no file: its sync fails (EBADF)
    bad.start()
    expect(() => bad.wait()).toThrow(/fdatasync of the NFS journal failed/)
    await bad.close()
  })
})
