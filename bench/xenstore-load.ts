/**
 * The closed-loop Xenstore load of bench/suites/xenstore.ts, run in its own process (`isolated`)
 * so that the client's work never shares a CPU queue with the daemon's event loop: `conns`
 * connections each send one request, wait for the reply, send the next, for `seconds`.
 * - read: READ of the connection's own node; write: WRITE of it;
 * - tx: TRANSACTION_START, WRITE of its own node, TRANSACTION_END T;
 * - contended: disjoint transactions that share a parent: each creates its own new child of
 *   /bench/shared and removes its previous one (no node is touched by two connections).
 * EAGAIN answers are counted and the transaction retried; only committed ones count as done.
 */
import { XsClient } from '../xenstore/client.js'
import { XS } from '../xenstore/wire.js'

export type Load = 'read' | 'write' | 'tx' | 'contended'
export interface LoadResult {
  opsPerSecond: number
  ops: number
  eagain: number
  errors: number
}

export async function measureLoad(socket: string, load: Load, conns: number, seconds: number): Promise<LoadResult> {
  const clients: XsClient[] = []
  for (let i = 0; i < conns; i++) clients.push(await XsClient.connect(socket)) // one at a time: C's listen backlog is short
  await Promise.all(clients.map((c, id) => c.write(`/bench/c${id}`, 'initial')))
  await clients[0]!.mkdir('/bench/shared') // before the clock: racing to create it would be a real conflict
  const start = performance.now()
  const end = start + seconds * 1000
  const results = await Promise.all(clients.map((c, id) => loop(c, id, load, end)))
  const elapsed = (performance.now() - start) / 1000
  for (const c of clients) await c.close()
  const sum = (key: keyof Omit<LoadResult, 'opsPerSecond'>) => results.reduce((n, r) => n + r[key], 0)
  return { opsPerSecond: sum('ops') / elapsed, ops: sum('ops'), eagain: sum('eagain'), errors: sum('errors') }
}

async function loop(c: XsClient, id: number, load: Load, end: number) {
  const own = `/bench/c${id}`
  let ops = 0
  let eagain = 0
  let errors = 0
  for (let i = 0; performance.now() < end; i++) {
    for (let k = 0; k < 20; k++, i++) {
      if (load === 'read' || load === 'write') {
        const reply = load === 'read' ? await c.read(own) : await c.write(own, `v${i}`)
        if (reply.error) errors++
        ops++
        continue
      }
      for (;;) {
        const tx = await c.start()
        if (load === 'tx') await c.write(own, `v${i}`, tx)
        else {
          await c.write(`/bench/shared/c${id}-${i}`, 'x', tx)
          await c.rm(`/bench/shared/c${id}-${i - 1}`, tx)
        }
        const reply = await c.request(XS.TRANSACTION_END, 'T\0', tx)
        if (reply.error === 'EAGAIN') {
          eagain++
          continue
        }
        if (reply.error) errors++
        break
      }
      ops++
    }
  }
  return { ops, eagain, errors }
}
