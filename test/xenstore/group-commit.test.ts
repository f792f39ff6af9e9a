/**
 * Under a stream of changes faster than the daemon's commit rate, commits group changes (see
 * xenstore/committer.ts): every change is still in the history, once and in the order it was
 * answered, named with its domain; the tree of the last commit is the Xenstore as answered.
 */
import { expect, test } from 'vitest'
import { XsClient } from '../../xenstore/client.js'
import { COMMIT_BURST } from '../../xenstore/committer.js'
import { startDaemon } from '../helpers/xenstore-daemon.js'

test('a stream of writes: every write named once, in order, across fewer commits; the head tree is the answered state', async () => {
  const daemon = await startDaemon()
  const c = await XsClient.connect(daemon.socket)
  const count = COMMIT_BURST * 8 // far more than the burst and what refills while they are served
  const replies = await Promise.all(Array.from({ length: count }, (_, i) => c.write(`/stream/k${i % 7}`, `v${i}`)))
  expect(replies.every(reply => reply.error === undefined)).toBe(true)
  await daemon.server.daemon.idle()
  const store = daemon.repo.branch('xenstore')
  const messages: string[] = []
  for await (const commit of store.history()) messages.push(commit.message.trimEnd())
  messages.reverse() // oldest first
  expect(messages[0]).toBe('xenstored: create the root')
  const named = messages.slice(1).flatMap(message => message.replace(/^\d+ changes: /, '').split('; '))
  expect(named).toEqual(Array.from({ length: count }, (_, i) => `WRITE /stream/k${i % 7} (dom0)`))
  expect(messages.length - 1).toBeLessThan(count) // grouped once the burst was spent
  for (let k = 0; k < 7; k++) {
    const last = count - 1 - ((count - 1 - k) % 7)
    expect(new TextDecoder().decode(await store.get(['stream', `k${k}`, '.v']))).toBe(`v${last}`)
  }
  await c.close()
  await daemon.stop()
})

test('a few changes, one commit each', async () => {
  const daemon = await startDaemon()
  const c = await XsClient.connect(daemon.socket)
  await c.write('/a', '1')
  const tx = await c.start()
  await c.write('/b', '2', tx)
  await c.end(tx)
  await c.rm('/a')
  await daemon.server.daemon.idle()
  const messages: string[] = []
  for await (const commit of daemon.repo.branch('xenstore').history()) messages.push(commit.message.trimEnd())
  expect(messages).toEqual(['RM /a (dom0)', 'transaction 1: WRITE /b (dom0)', 'WRITE /a (dom0)', 'xenstored: create the root'])
  await c.close()
  await daemon.stop()
})
