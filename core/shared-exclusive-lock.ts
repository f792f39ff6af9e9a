/**
 * A lock held by many at once (shared) or by one alone (exclusive), fair between the two: once an
 * exclusive holder waits, later shared requests queue behind it, so a stream of writers cannot
 * starve a collection's deletions, nor deletions the writers. Holders run in request order.
 */
export class SharedExclusiveLock {
  private shared = 0
  private exclusive = false
  private readonly queue: Array<{ exclusive: boolean; grant(): void }> = []

  /** Runs `task` beside other shared holders, never beside an exclusive one. */
  async withShared<T>(task: () => Promise<T>): Promise<T> {
    if (this.exclusive || this.queue.length > 0) await this.wait(false)
    else this.shared++
    try {
      return await task()
    } finally {
      this.shared--
      this.next()
    }
  }

  /** Runs `task` alone. */
  async withExclusive<T>(task: () => Promise<T>): Promise<T> {
    if (this.exclusive || this.shared > 0 || this.queue.length > 0) await this.wait(true)
    else this.exclusive = true
    try {
      return await task()
    } finally {
      this.exclusive = false
      this.next()
    }
  }

  private wait(exclusive: boolean): Promise<void> {
    return new Promise(grant => this.queue.push({ exclusive, grant }))
  }

  /** Grants the lock to the requests at the head of the queue that may hold it now. */
  private next(): void {
    while (this.queue.length > 0 && !this.exclusive) {
      const head = this.queue[0]
      if (head.exclusive) {
        if (this.shared > 0) return
        this.exclusive = true
      } else {
        this.shared++
      }
      this.queue.shift()
      head.grant()
    }
  }
}
