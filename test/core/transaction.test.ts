/**
 * Transactions are serializable: a `batch` or an explicit transaction that lost its branch to
 * another writer is merged onto the new head only when nothing it read changed; otherwise the
 * batch runs again and the explicit transaction fails with `TransactionConflictError`.
 */
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo, TransactionConflictError } from '../../index.js'

async function open() {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
  return { repo, main: repo.branch('main') }
}

/** A promise and the function that resolves it. */
function latch() {
  let open!: () => void
  const opened = new Promise<void>(resolve => (open = resolve))
  return { opened, open }
}

describe('batch: write skew', () => {
  it('two batches that each read the key the other writes cannot both commit on stale reads', async () => {
    // The invariant: at most one of the two doctors is off call. Each batch reads the other
    // doctor and goes off call only if the other is on call.
    const { main } = await open()
    await main.batch(tx => {
      tx.set(['alice'], 'on')
      tx.set(['bob'], 'on')
    })
    const bothRead = latch()
    let reads = 0
    const goOff = (me: string, other: string) =>
      main.batch(async tx => {
        const theirs = await tx.get([other])
        // First run only: wait until both batches have read, so both read the old head.
        if (++reads <= 2) {
          if (reads === 2) bothRead.open()
          await bothRead.opened
        }
        if (theirs === 'on') tx.set([me], 'off')
      })
    await Promise.all([goOff('alice', 'bob'), goOff('bob', 'alice')])
    const states = [await main.get(['alice']), await main.get(['bob'])]
    expect(states).toContain('on')
    expect(reads).toBe(3) // the loser ran again on the new head
  })

  it('a lost batch whose reads did not change is merged without running again', async () => {
    const { main } = await open()
    await main.set(['x'], '1')
    const started = latch()
    const go = latch()
    let runs = 0
    const batch = main.batch(async tx => {
      runs++
      const x = await tx.get(['x'])
      if (runs === 1) {
        started.open()
        await go.opened
      }
      tx.set(['copy'], x)
    })
    await started.opened
    await main.set(['unrelated'], 'u') // the batch loses the race, but not on what it read
    go.open()
    await batch
    expect(runs).toBe(1)
    expect(await main.get(['copy'])).toBe('1')
    expect(await main.get(['unrelated'])).toBe('u')
  })

  it('a listing is a read: a new name in a listed directory runs the batch again', async () => {
    const { main } = await open()
    await main.set(['d', 'a'], '1')
    const started = latch()
    const go = latch()
    let runs = 0
    const counting = main.batch(async tx => {
      runs++
      const names = await tx.list(['d'])
      if (runs === 1) {
        started.open()
        await go.opened
      }
      tx.set(['count'], String(names.length))
    })
    await started.opened
    await main.set(['d', 'b'], '2')
    go.open()
    await counting
    expect(runs).toBe(2)
    expect(await main.get(['count'])).toBe('2')
  })

  it('reads of its own writes do not make a batch conflict', async () => {
    const { main } = await open()
    await main.set(['k'], 'base')
    const started = latch()
    const go = latch()
    let runs = 0
    const batch = main.batch(async tx => {
      runs++
      tx.set(['k'], 'mine')
      expect(await tx.get(['k'])).toBe('mine')
      if (runs === 1) {
        started.open()
        await go.opened
      }
    })
    await started.opened
    await main.set(['k'], 'theirs')
    go.open()
    await batch
    expect(runs).toBe(1)
    expect(await main.get(['k'])).toBe('mine') // serial order: the other write, then the batch
  })
})

describe('explicit transactions', () => {
  it('reads see the transaction’s own writes; commit returns the new head', async () => {
    const { main } = await open()
    await main.set(['a'], '1')
    const tx = await main.transaction()
    expect(await tx.get(['a'])).toBe('1')
    tx.set(['b'], '2')
    tx.remove(['a'])
    expect(await tx.find(['a'])).toBeUndefined()
    expect(await tx.list()).toEqual(['b'])
    expect(await tx.kind(['b'])).toBe('file')
    const head = await tx.commit({ message: 'tx' })
    expect(head!.message).toBe('tx')
    expect((await main.head())!.id).toBe(head!.id)
    expect(await main.find(['a'])).toBeUndefined()
    expect(await main.get(['b'])).toBe('2')
  })

  it('a transaction that wrote nothing commits nothing', async () => {
    const { main } = await open()
    const before = await main.set(['a'], '1')
    const tx = await main.transaction()
    await tx.get(['a'])
    expect((await tx.commit())!.id).toBe(before!.id)
    expect((await main.head())!.id).toBe(before!.id)
  })

  it('fails with TransactionConflictError naming the read paths another writer changed', async () => {
    const { main } = await open()
    await main.batch(tx => {
      tx.set(['a'], '1')
      tx.set(['b'], '1')
    })
    const tx = await main.transaction()
    await tx.get(['a'])
    await tx.find(['b'])
    tx.set(['c'], 'derived')
    await main.set(['a'], '2')
    const head = await main.head()
    const error = await tx.commit().catch(e => e)
    expect(error).toBeInstanceOf(TransactionConflictError)
    expect(error).toMatchObject({ code: 'ETXCONFLICT', paths: [['a']] })
    expect((await main.head())!.id).toBe(head!.id)
    await expect(tx.get(['a'])).rejects.toMatchObject({ code: 'ECLOSED' })
  })

  it('a read-only transaction whose reads changed conflicts on commit (Xenstore’s EAGAIN)', async () => {
    const { main } = await open()
    await main.set(['a'], '1')
    const tx = await main.transaction()
    await tx.get(['a'])
    await main.set(['a'], '2')
    await expect(tx.commit()).rejects.toBeInstanceOf(TransactionConflictError)
  })

  it('disjoint transactions both commit, whatever the order', async () => {
    const { main } = await open()
    await main.set(['d', 'x'], '0')
    const one = await main.transaction()
    const two = await main.transaction()
    tx1: {
      const x = await one.get(['d', 'x'])
      one.set(['d', 'x'], x + '1')
    }
    tx2: {
      await two.find(['d', 'y'])
      two.set(['d', 'y'], 'y')
    }
    await two.commit()
    await one.commit()
    expect(await main.get(['d', 'x'])).toBe('01')
    expect(await main.get(['d', 'y'])).toBe('y')
  })

  it('abort discards; a transaction pins its base until it ends', async () => {
    const { repo, main } = await open()
    await main.set(['a'], 'old')
    const tx = await main.transaction()
    await main.set(['a'], 'new')
    await repo.gc({ keepCommits: 1 })
    expect(await tx.get(['a'])).toBe('old') // its base survived the collection
    tx.set(['b'], 'x')
    tx.abort()
    expect(await main.find(['b'])).toBeUndefined()
    await expect(tx.commit()).rejects.toMatchObject({ code: 'ECLOSED' })
    await repo.gc({ keepCommits: 1 })
    expect((await repo.fsck()).damage).toEqual([])
  })

  it('a transaction on a read-only commit view is refused', async () => {
    const { repo, main } = await open()
    const head = await main.set(['a'], '1')
    await expect(repo.commit(head!.id).transaction()).rejects.toMatchObject({ code: 'EREADONLY' })
  })
})
