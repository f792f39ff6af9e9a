/**
 * The COMMIT of a small file: its bytes go to the journal, its commit to the store unsynced
 * (durability.ts). Whatever a COMMIT acknowledged survives a crash at any point: before the
 * next sync point the journal brings it back (one commit); after one — a synced change, another
 * writer's commit, the idle delay — the store holds it and nothing is replayed. A crash is
 * simulated by copying the store directory and the journal while they are open (what the page
 * cache holds; a power cut may lose unsynced store writes too, which the journal covers alike).
 */
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Contents, openLevelBackend, Repo } from '../../index.js'
import { CreateJournal } from '../../nfs-export/create-journal.js'
import { WorkingTree } from '../../nfs-export/working-tree.js'

/** Closes each in turn (a working tree before the repo under it). */
async function closeAll(...open: Array<{ close(): Promise<void> }>): Promise<void> {
  for (const item of open) await item.close()
}

const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))
const root = mkdtempSync(join(tmpdir(), 'irmin-nfs-journaled-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let count = 0
async function setup(idleMs = 60_000) {
  const dir = join(root, `s${count++}`)
  const open = async (at: string) => {
    const repo = await Repo.open({ backend: await openLevelBackend(join(at, 'store')), contents: Contents.bytes })
    const wt = await WorkingTree.open({
      store: repo.branch('main'),
      treeOf: id => repo.treeOf(id),
      objects: repo.objects,
      readOnly: false,
      author: 'test <t@t>',
      idleMs,
      maxFileSize: 1 << 20,
      onError: () => {},
      journal: await CreateJournal.open(join(at, 'journal')),
    })
    return { repo, wt, main: repo.branch('main') }
  }
  const live = await open(dir)
  await live.main.set(['seed'], enc('seed'))
  await live.wt.refresh()
  let crashes = 0
  /** The state a crash now leaves, opened (the journal replayed). */
  const crash = async () => {
    const at = join(root, `s${count}-crash${crashes++}`)
    cpSync(join(dir, 'store'), join(at, 'store'), { recursive: true })
    copyFileSync(join(dir, 'journal'), join(at, 'journal'))
    return open(at)
  }
  /** CREATE, WRITE and COMMIT of a small file, as a client saving it sends them. */
  const save = async (name: string, text: string, create = true) => {
    if (create) await live.wt.create([name], true, true)
    else await live.wt.setSize([name], 0)
    await live.wt.write([name], 0, enc(text))
    await live.wt.flush()
  }
  return { ...live, crash, save }
}

describe('journaled commits of small files', () => {
  it('after a crash before any sync point, every COMMIT comes back with its bytes, in one commit', async () => {
    const { wt, main, repo, crash, save } = await setup()
    const durable = await main.headId()
    await save('one', 'first')
    await save('two', 'second')
    await save('one', 'first, again', false) // an overwrite: the later record wins
    await save('seed', 'changed', false) // a file the durable commit has
    expect(dec(await main.find(['one']))).toBe('first, again') // committed, readable at once
    expect(await main.headId()).not.toBe(durable)
    const after = await crash()
    expect(dec(await after.main.find(['one']))).toBe('first, again')
    expect(dec(await after.main.find(['two']))).toBe('second')
    expect(dec(await after.main.find(['seed']))).toBe('changed')
    const head = (await after.main.head())!
    expect(head.message).toContain('(journaled before a crash)')
    expect(head.parents).toEqual([durable]) // the unsynced commits' ids are lost, not their changes
    await closeAll(after.wt, after.repo, wt, repo)
  })

  it('a synced change (REMOVE) makes the journaled commits durable first: nothing comes back', async () => {
    const { wt, main, repo, crash, save } = await setup()
    await save('kept', 'k')
    await save('gone', 'g')
    await wt.remove(['gone'])
    await wt.flush(true)
    const head = await main.headId()
    const after = await crash()
    expect(await after.main.headId()).toBe(head) // nothing to replay
    expect(await after.main.find(['gone'])).toBeUndefined()
    expect(dec(await after.main.find(['kept']))).toBe('k')
    await closeAll(after.wt, after.repo, wt, repo)
  })

  it("another writer's commit makes earlier ones durable; records after it are replayed on it, even over a file it holds", async () => {
    const { wt, main, repo, crash, save } = await setup()
    await save('before', 'b')
    await main.set(['other'], enc('theirs')) // synced: our unsynced commits become durable first
    await wt.refresh()
    await save('other', 'ours', false)
    await save('after', 'a')
    const after = await crash()
    expect(dec(await after.main.find(['before']))).toBe('b')
    expect(dec(await after.main.find(['other']))).toBe('ours')
    expect(dec(await after.main.find(['after']))).toBe('a')
    expect((await after.main.head())!.message).toContain('(journaled before a crash)')
    await closeAll(after.wt, after.repo, wt, repo)
  })

  it('a COMMIT is answered once its records are synced and committed just after, with the COMMITs meanwhile; a crash in between loses nothing', async () => {
    const { wt, main, repo, crash } = await setup()
    const durable = await main.headId()
    const commit = async (name: string, text: string, create = true) => {
      if (create) await wt.create([name], true, true)
      else await wt.setSize([name], 0)
      await wt.write([name], 0, enc(text))
      await wt.stabilize() // what the COMMIT procedure awaits before its reply
    }
    await commit('a', 'alpha')
    // Answered, the commit not yet made (no timer has run since): the journal holds the file.
    expect(await main.headId()).toBe(durable)
    const early = await crash()
    expect(dec(await early.main.find(['a']))).toBe('alpha')
    await closeAll(early.wt, early.repo)
    await commit('b', 'beta')
    await commit('a', 'alpha, again', false) // changed after its record: journaled again
    const changed = await crash() // before that COMMIT's commit: only its record has the bytes
    expect(dec(await changed.main.find(['a']))).toBe('alpha, again')
    expect(dec(await changed.main.find(['b']))).toBe('beta')
    await closeAll(changed.wt, changed.repo)
    await commit('a', 'alpha, again', false) // unchanged: the record holds it already
    await new Promise(resolve => setTimeout(resolve, 100))
    const head = (await main.head())!
    expect(head.id).not.toBe(durable)
    expect(dec(await main.find(['a']))).toBe('alpha, again')
    expect(dec(await main.find(['b']))).toBe('beta')
    expect(head.message).toContain('b')
    const after = await crash()
    expect(dec(await after.main.find(['a']))).toBe('alpha, again')
    expect(dec(await after.main.find(['b']))).toBe('beta')
    await closeAll(after.wt, after.repo, wt, repo)
  })

  it("another writer's commit between a COMMIT's reply and its commit keeps the COMMIT's record", async () => {
    const { wt, main, repo, crash } = await setup()
    await wt.setSize(['seed'], 0) // a file the durable commit has: no create record
    await wt.write(['seed'], 0, enc('ours'))
    await wt.stabilize()
    await main.set(['other'], enc('theirs')) // synced, before the grouped commit
    await wt.refresh()
    const after = await crash()
    expect(dec(await after.main.find(['seed']))).toBe('ours')
    expect(dec(await after.main.find(['other']))).toBe('theirs')
    await closeAll(after.wt, after.repo, wt, repo)
  })

  it('the idle delay syncs the store and resets the journal; a large file is committed synced', async () => {
    const { wt, main, repo, crash, save } = await setup(30)
    await save('small', 's')
    await new Promise(resolve => setTimeout(resolve, 300))
    const synced = await crash()
    expect(await synced.main.headId()).toBe(await main.headId())
    await synced.wt.close()
    await synced.repo.close()
    await save('large', 'x'.repeat(100_000)) // past JOURNALED_BYTES: a synced commit
    const head = await main.headId()
    const after = await crash()
    expect(await after.main.headId()).toBe(head)
    expect(dec(await after.main.find(['large']))).toBe('x'.repeat(100_000))
    await closeAll(after.wt, after.repo, wt, repo)
  })
})
