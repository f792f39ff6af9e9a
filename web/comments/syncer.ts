/**
 * When and how the page syncs: on load, when the browser comes online, when the server says a
 * branch moved, after every local change, and every few seconds while a sync keeps failing. One
 * sync at a time (a request made during a sync runs once more after it): pull with merge, then
 * push; a push the server could not take (it moved meanwhile and cannot merge) pulls and pushes
 * again. With local changes to carry, the push is tried first: it lands as it is, or merged by
 * the server, and needs no pull. Failures
 * never throw into the page: they become the badge's state, and local work stays local until a
 * later sync carries it.
 */
export interface SyncPort {
  /** Fetches the server's branch and merges it into the local one. */
  pull(): Promise<void>
  /** Pushes the local branch (the server merges it when it can); 'behind' when it cannot land. */
  push(): Promise<'pushed' | 'behind'>
  /** How many local commits the server has not seen. */
  unsynced(): Promise<number>
}

export interface SyncState {
  online: boolean
  syncing: boolean
  unsynced: number
  problem?: string
}

const RETRY_MS = 5_000
const MAX_ROUNDS = 5

export class Syncer {
  private running: Promise<void> | undefined
  private again = false
  private retry: ReturnType<typeof setTimeout> | undefined
  private state: SyncState

  constructor(
    private readonly port: SyncPort,
    private readonly report: (state: SyncState) => void,
    online: boolean,
  ) {
    this.state = { online, syncing: false, unsynced: 0 }
  }

  /** Asks for a sync; resolves when the sync that covers this request has ended. */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.loop().finally(() => (this.running = undefined))
    return this.running
  }

  setOnline(online: boolean): void {
    this.update({ online })
    if (online) void this.sync()
  }

  /** A local change: count it at once, then try to carry it. */
  async changed(): Promise<void> {
    await this.refreshCount()
    if (this.state.online) void this.sync()
  }

  stop(): void {
    clearTimeout(this.retry)
  }

  private async loop(): Promise<void> {
    clearTimeout(this.retry)
    do {
      this.again = false
      this.update({ syncing: true })
      try {
        await this.round()
        this.update({ online: true, problem: undefined })
      } catch (error) {
        this.update({ problem: error instanceof Error ? error.message : String(error), online: navigatorOnline() && this.state.online })
        this.retry = setTimeout(() => void this.sync(), RETRY_MS)
        this.again = false
      }
      await this.refreshCount()
    } while (this.again)
    this.update({ syncing: false })
  }

  private async round(): Promise<void> {
    // With local changes to carry, the push goes first: when the server has not moved it lands
    // as it is (a pull would have brought nothing), and only a refusal needs the pull and merge.
    if (this.state.unsynced > 0 && (await this.port.push()) === 'pushed') return
    for (let round = 0; round < MAX_ROUNDS; round++) {
      await this.port.pull()
      if ((await this.port.push()) === 'pushed') return
    }
    throw new Error('the server kept moving while this page tried to push; will try again')
  }

  private async refreshCount(): Promise<void> {
    try {
      this.update({ unsynced: await this.port.unsynced() })
    } catch {
      // The count is advisory; the next sync recounts.
    }
  }

  private update(change: Partial<SyncState>): void {
    this.state = { ...this.state, ...change }
    this.report(this.state)
  }
}

function navigatorOnline(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine !== false
}
