/** A counter kept in a ref: the value n is the id `sha1("count n")`, so the ref says which n it is. */
import { createHash } from 'node:crypto'

export const COUNTER_REF = 'refs/heads/counter'
const MAX = 10_000

export function counterId(n: number): string {
  return createHash('sha1').update(`count ${n}`).digest('hex')
}

const values = new Map(Array.from({ length: MAX }, (_, n) => [counterId(n), n]))

/** The value a counter ref holds (0 when absent). */
export function counterValue(id: string | undefined): number {
  if (id === undefined) return 0
  const n = values.get(id)
  if (n === undefined) throw new Error(`${id} is not a counter value`)
  return n
}
