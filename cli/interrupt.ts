/**
 * Long-running commands (`watch`, `serve`) run until SIGINT or SIGTERM, then clean up (close the
 * store, remove the server note) and exit 0: being stopped is how they are meant to end.
 */
export interface Interrupt {
  /** Resolves when a signal arrives. */
  readonly signalled: Promise<void>
  readonly stopped: boolean
  /** Waits `ms`, or less when a signal arrives meanwhile. */
  sleep(ms: number): Promise<void>
  /** Stops listening for the signals. */
  dispose(): void
}

export function onInterrupt(): Interrupt {
  let stopped = false
  let resolve!: () => void
  const signalled = new Promise<void>(r => (resolve = r))
  const stop = () => {
    stopped = true
    resolve()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return {
    signalled,
    get stopped() {
      return stopped
    },
    sleep: ms =>
      new Promise<void>(done => {
        const timer = setTimeout(done, ms)
        void signalled.then(() => {
          clearTimeout(timer)
          done()
        })
      }),
    dispose() {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    },
  }
}
