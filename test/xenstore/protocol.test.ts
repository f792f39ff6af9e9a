/**
 * The protocol, request by request, against the daemon on its sockets: errors by errno name,
 * implicit parents, binary values, directory listings, permissions (other domains through their
 * sockets, SET_TARGET), watches, transactions and quotas.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { XsClient } from '../../xenstore/client.js'
import { HEADER_SIZE, strings, XS } from '../../xenstore/wire.js'
import { type RunningDaemon, startDaemon } from '../helpers/xenstore-daemon.js'

let daemon: RunningDaemon
let dom0: XsClient
const ok = { error: undefined, text: 'OK\0' }

beforeAll(async () => {
  daemon = await startDaemon({ quotas: { entries: 20, watches: 3, transactions: 2, pathMax: 100 } })
  dom0 = await XsClient.connect(daemon.socket)
})
afterAll(async () => {
  await dom0?.close()
  await daemon?.stop()
})

/** Introduces `domid` with a home it owns, and connects as it. */
async function guest(domid: number): Promise<XsClient> {
  expect(await dom0.request(XS.INTRODUCE, strings(String(domid), '1234', '5'))).toMatchObject(ok)
  await dom0.write(`/local/domain/${domid}`, '')
  await dom0.setPerms(`/local/domain/${domid}`, [`n${domid}`])
  return XsClient.connect(daemon.socketOf(domid))
}

describe('nodes', () => {
  test('a write creates missing parents with empty values; directories list children in a stable order', async () => {
    expect(await dom0.write('/n/a/b/c', 'v')).toMatchObject(ok)
    expect((await dom0.read('/n/a/b')).text).toBe('')
    expect((await dom0.read('/n/a/b/c')).text).toBe('v')
    for (const name of ['z', 'b', 'm', 'a-1', 'A_2']) await dom0.write(`/n/list/${name}`, '')
    expect((await dom0.directory('/n/list')).text).toBe(strings('A_2', 'a-1', 'b', 'm', 'z'))
    expect((await dom0.directory('/n/a/b/c')).text).toBe('')
  })

  test('values are bytes, NULs and all', async () => {
    const value = Uint8Array.from([0, 1, 2, 255, 0, 10])
    await dom0.write('/n/binary', value)
    expect([...(await dom0.read('/n/binary')).payload]).toEqual([...value])
  })

  test('MKDIR keeps an existing value; RM of a missing node is fine when its parent exists', async () => {
    await dom0.write('/n/keep', 'kept')
    expect(await dom0.mkdir('/n/keep')).toMatchObject(ok)
    expect((await dom0.read('/n/keep')).text).toBe('kept')
    expect(await dom0.rm('/n/absent')).toMatchObject(ok)
    expect((await dom0.rm('/n/absent/deeper')).error).toBe('ENOENT')
    expect((await dom0.rm('/')).error).toBe('EINVAL')
  })

  test('errors by errno name', async () => {
    expect((await dom0.read('/n/none')).error).toBe('ENOENT')
    for (const bad of ['/n/a b', '/n//a', '/n/a/', 'n/\u00e9', '']) expect((await dom0.read(bad)).error).toBe('EINVAL')
    expect((await dom0.read('@releaseDomain')).error).toBe('EINVAL')
    // A normal node of that name is not the special one, whichever was asked for first.
    expect((await dom0.read('/local/domain/0/@releaseDomain')).error).toBe('ENOENT')
    expect((await dom0.read('@releaseDomain')).error).toBe('EINVAL')
    expect((await dom0.request(XS.READ, '/n/a')).error).toBe('EINVAL') // no NUL
    expect((await dom0.request(XS.WRITE, '/n/a')).error).toBe('EINVAL')
    expect((await dom0.request(99, strings('/n'))).error).toBe('ENOSYS')
    expect((await dom0.request(20, strings('/n'))).error).toBe('ENOSYS')
    expect((await dom0.read('/n/a', 4242)).error).toBe('ENOENT') // unknown transaction
    expect((await dom0.request(XS.GET_DOMAIN_PATH, strings('x'))).error).toBe('EINVAL')
    expect((await dom0.setPerms('/n/a', ['q1'])).error).toBe('EINVAL')
  })

  test('a directory too large for one reply is E2BIG; DIRECTORY_PART pages through it', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `child-number-${String(i).padStart(4, '0')}`)
    const tx = await dom0.start()
    for (const name of names) await dom0.write(`/n/big/${name}`, '', tx)
    expect(await dom0.end(tx)).toMatchObject(ok)
    expect((await dom0.directory('/n/big')).error).toBe('E2BIG')
    const seen: string[] = []
    let offset = 0
    let generation: string | undefined
    for (;;) {
      const reply = await dom0.request(XS.DIRECTORY_PART, strings('/n/big', String(offset)))
      const [gen, ...rest] = reply.text.split('\0')
      generation ??= gen
      expect(gen).toBe(generation)
      const done = reply.text.endsWith('\0\0')
      const part = rest.filter(name => name.length > 0)
      seen.push(...part)
      offset += part.reduce((n, name) => n + name.length + 1, 0)
      if (done) break
    }
    expect(seen).toEqual(names)
  })
})

describe('permissions and domains', () => {
  let five: XsClient
  beforeAll(async () => {
    five = await guest(5)
  })

  test('a domain reads and writes only what perms grant; a missing node under a closed one is EACCES', async () => {
    await dom0.write('/p/secret', 's')
    expect((await five.read('/p/secret')).error).toBe('EACCES')
    expect((await five.read('/p/secret/below')).error).toBe('EACCES')
    await dom0.setPerms('/p/secret', ['n0', 'r5'])
    expect((await five.read('/p/secret')).text).toBe('s')
    expect((await five.write('/p/secret', 'x')).error).toBe('EACCES')
    expect((await five.read('/p/secret/below')).error).toBe('ENOENT')
  })

  test('relative paths are under the home; what a domain creates it owns; only dom0 gives nodes away', async () => {
    expect(await five.write('device/vif/0', 'up')).toMatchObject(ok)
    expect((await dom0.read('/local/domain/5/device/vif/0')).text).toBe('up')
    expect((await dom0.getPerms('/local/domain/5/device/vif')).text).toBe(strings('n5'))
    expect(await five.setPerms('device', ['n5', 'r0'])).toMatchObject(ok)
    expect((await five.setPerms('device', ['n7'])).error).toBe('EPERM')
    expect((await five.setPerms('/p/secret', ['n5'])).error).toBe('EACCES')
    expect((await five.request(XS.GET_DOMAIN_PATH, strings('5'))).text).toBe(strings('/local/domain/5'))
  })

  test('dom0-only requests are EACCES for others', async () => {
    for (const [type, payload] of [
      [XS.INTRODUCE, strings('9', '1', '1')],
      [XS.RELEASE, strings('9')],
      [XS.SET_TARGET, strings('5', '6')],
      [XS.CONTROL, strings('print', 'x')],
      [XS.IS_DOMAIN_INTRODUCED, strings('5')],
    ] as const) {
      expect((await five.request(type, payload)).error).toBe('EACCES')
    }
  })

  test('SET_TARGET lets a domain act for its target', async () => {
    const six = await guest(6)
    expect((await six.read('/local/domain/5/device/vif/0')).error).toBe('EACCES')
    expect(await dom0.request(XS.SET_TARGET, strings('6', '5'))).toMatchObject(ok)
    expect((await six.read('/local/domain/5/device/vif/0')).text).toBe('up')
    await six.close()
  })

  test('INTRODUCE, IS_DOMAIN_INTRODUCED, RESUME, RELEASE; @introduceDomain and @releaseDomain fire for dom0', async () => {
    const watcher = await XsClient.connect(daemon.socket)
    await watcher.watch('@introduceDomain', 'in')
    await watcher.watch('@releaseDomain', 'out')
    expect((await dom0.request(XS.IS_DOMAIN_INTRODUCED, strings('8'))).text).toBe(strings('F'))
    expect((await dom0.request(XS.RESUME, strings('8'))).error).toBe('ENOENT')
    await dom0.request(XS.INTRODUCE, strings('8', '1', '1'))
    expect((await dom0.request(XS.IS_DOMAIN_INTRODUCED, strings('8'))).text).toBe(strings('T'))
    expect(await dom0.request(XS.RESUME, strings('8'))).toMatchObject(ok)
    const eight = await XsClient.connect(daemon.socketOf(8))
    expect(await dom0.request(XS.RELEASE, strings('8'))).toMatchObject(ok)
    await eight.closed // released: its connection goes
    expect((await dom0.request(XS.RELEASE, strings('8'))).error).toBe('ENOENT')
    expect((await dom0.getPerms('@releaseDomain')).text).toBe(strings('n0'))
    expect((await eight.getPerms('@releaseDomain')).error).toBe('ECLOSED') // released already
    expect(await watcher.waitForEvents(4)).toEqual([
      ['@introduceDomain', 'in'],
      ['@releaseDomain', 'out'],
      ['@introduceDomain', 'in'],
      ['@releaseDomain', 'out'],
    ])
    await watcher.close()
  })

  test('special nodes have perms: a domain granted read on @releaseDomain is told of releases', async () => {
    const nine = await guest(9)
    expect((await nine.watch('@releaseDomain', 'r')).error).toBeUndefined()
    expect((await nine.getPerms('@releaseDomain')).error).toBe('EACCES')
    expect((await nine.setPerms('@releaseDomain', ['n9'])).error).toBe('EACCES')
    expect(await dom0.setPerms('@releaseDomain', ['n0', 'r9'])).toMatchObject(ok)
    expect((await nine.getPerms('@releaseDomain')).text).toBe(strings('n0', 'r9'))
    await dom0.request(XS.INTRODUCE, strings('10', '1', '1'))
    await dom0.request(XS.RELEASE, strings('10'))
    expect(await nine.waitForEvents(2)).toEqual([
      ['@releaseDomain', 'r'],
      ['@releaseDomain', 'r'],
    ])
    await dom0.setPerms('@releaseDomain', ['n0'])
    await nine.close()
  })

  test('quotas: entries, value size, watches, transactions', async () => {
    const q = await guest(7)
    expect((await q.write('big', 'x'.repeat(2049))).error).toBe('ENOSPC')
    expect((await q.write('p'.repeat(2049), '')).error).toBe('EINVAL') // path quota below the home
    // A path dom0 used (which has no such quota) still counts against the guest's.
    const long = 'q'.repeat(120)
    expect(await dom0.write(`/local/domain/7/${long}`, '')).toMatchObject(ok)
    expect((await q.read(long)).error).toBe('EINVAL')
    expect((await q.read(`/local/domain/7/${long}`)).error).toBe('EINVAL')
    expect(await dom0.rm(`/local/domain/7/${long}`)).toMatchObject(ok)
    expect((await q.setPerms('/local/domain/7', ['n7', 'r1', 'r2', 'r3', 'r4', 'r5'])).error).toBe('ENOSPC')
    let created = 0
    for (let i = 0; i < 30; i++) if ((await q.write(`e${i}`, '')).error === undefined) created++
    expect(created).toBe(19) // the home is dom0's node given to 7: 1 + 19 = 20
    expect((await q.write('e-more', '')).error).toBe('ENOSPC')
    expect(await q.rm('e0')).toMatchObject(ok)
    expect(await q.write('e-more', '')).toMatchObject(ok)
    for (let i = 0; i < 3; i++) expect(await q.watch(`w${i}`, 't')).toMatchObject(ok)
    expect((await q.watch('w3', 't')).error).toBe('E2BIG')
    await q.start()
    await q.start()
    expect((await q.request(XS.TRANSACTION_START, '\0')).error).toBe('ENOSPC')
    await q.close()
  })
})

describe('watches', () => {
  test('fire on registration, on the node and below, with relative paths for relative watches', async () => {
    const four = await guest(4)
    await four.watch('data', 'rel')
    await dom0.watch('/w', 'abs')
    await four.write('data/x', '1')
    await dom0.write('/w/a/b', '1')
    await dom0.write('/wz', '1') // not below /w
    expect(await four.waitForEvents(2)).toEqual([
      ['data', 'rel'],
      ['data/x', 'rel'],
    ])
    expect(await dom0.waitForEvents(2)).toEqual([
      ['/w', 'abs'],
      ['/w/a/b', 'abs'],
    ])
    expect((await dom0.watch('/w', 'abs')).error).toBe('EEXIST')
    expect(await dom0.unwatch('/w', 'abs')).toMatchObject(ok)
    expect((await dom0.unwatch('/w', 'abs')).error).toBe('ENOENT')
    dom0.events.length = 0
    await four.close()
  })

  test('RM fires for the node and exactly for watched nodes below it', async () => {
    const c = await XsClient.connect(daemon.socket)
    await dom0.write('/r/a/b/c', '1')
    await c.watch('/r/a/b/c', 'leaf')
    await c.watch('/r', 'top')
    await dom0.rm('/r/a')
    expect((await c.waitForEvents(4)).slice(2).sort()).toEqual([
      ['/r/a', 'top'],
      ['/r/a/b/c', 'leaf'],
    ])
    await c.close()
  })

  test('a domain is not told of changes to nodes it cannot read', async () => {
    const three = await guest(3)
    await three.watch('/hidden', 'h')
    await dom0.write('/hidden/x', 'secret')
    await dom0.write('/hidden/y', 'open')
    await dom0.setPerms('/hidden/y', ['n0', 'r3'])
    const events = await three.waitForEvents(3, 300)
    expect(events).toEqual([
      ['/hidden', 'h'],
      ['/hidden/y', 'h'],
    ])
    await three.close()
  })

  test("a transaction's events fire on its commit only, and not at all when it is discarded", async () => {
    const c = await XsClient.connect(daemon.socket)
    await c.watch('/t', 'tok')
    await c.waitForEvents(1)
    const tx = await dom0.start()
    await dom0.write('/t/a', '1', tx)
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(c.events).toHaveLength(1)
    await dom0.end(tx)
    expect(await c.waitForEvents(2)).toEqual([
      ['/t', 'tok'],
      ['/t/a', 'tok'],
    ])
    const dropped = await dom0.start()
    await dom0.write('/t/b', '1', dropped)
    await dom0.end(dropped, false)
    await dom0.write('/t/c', '1')
    expect((await c.waitForEvents(3)).slice(2)).toEqual([['/t/c', 'tok']])
    await c.close()
  })
})

describe('transactions', () => {
  test('isolation: a transaction reads its fork; others do not see its writes before the end', async () => {
    await dom0.write('/x/v', 'old')
    const tx = await dom0.start()
    await dom0.write('/x/v', 'new', tx)
    expect((await dom0.read('/x/v')).text).toBe('old')
    expect((await dom0.read('/x/v', tx)).text).toBe('new')
    expect(await dom0.end(tx)).toMatchObject(ok)
    expect((await dom0.read('/x/v')).text).toBe('new')
  })

  test('EAGAIN only when something read changed; disjoint transactions never conflict', async () => {
    await dom0.write('/x/a', '0')
    await dom0.write('/x/b', '0')
    const a = await dom0.start()
    const b = await dom0.start()
    await dom0.read('/x/a', a)
    await dom0.write('/x/a', '1', a)
    await dom0.read('/x/b', b)
    await dom0.write('/x/b', '1', b)
    expect(await dom0.end(a)).toMatchObject(ok)
    expect(await dom0.end(b)).toMatchObject(ok)

    const c = await dom0.start()
    await dom0.read('/x/a', c)
    await dom0.write('/x/a', '2') // outside, after c read it
    await dom0.write('/x/b', '2', c)
    expect((await dom0.end(c)).error).toBe('EAGAIN')
    expect((await dom0.read('/x/b')).text).toBe('1')
    const readOnly = await dom0.start()
    await dom0.read('/x/a', readOnly)
    await dom0.write('/x/a', '3')
    expect((await dom0.end(readOnly)).error).toBe('EAGAIN')
  })

  test('nested START is EBUSY, a bad END argument EINVAL, an ended transaction is gone', async () => {
    const tx = await dom0.start()
    expect((await dom0.request(XS.TRANSACTION_START, '\0', tx)).error).toBe('EBUSY')
    expect((await dom0.request(XS.TRANSACTION_END, strings('X'), tx)).error).toBe('EINVAL')
    expect(await dom0.end(tx, false)).toMatchObject(ok)
    expect((await dom0.end(tx)).error).toBe('ENOENT')
    expect((await dom0.request(XS.TRANSACTION_END, strings('T'))).error).toBe('ENOENT')
  })

  test('the header is 16 bytes', () => expect(HEADER_SIZE).toBe(16))
})
