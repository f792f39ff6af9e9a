/**
 * Refs held in memory: the whole ref store of the memory backend, and the LevelDB backend's
 * authoritative copy (its process owns the database, so what it last wrote is the truth).
 */
export class RefTable {
  private readonly refs = new Map<string, string>()

  get(name: string): string | undefined {
    return this.refs.get(name)
  }

  /** Refs whose name starts with `prefix`, sorted by name. */
  list(prefix: string): Array<[string, string]> {
    return [...this.refs].filter(([name]) => name.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }

  /** Sets (or with `undefined`, deletes) a ref. */
  set(name: string, id: string | undefined): void {
    if (id === undefined) this.refs.delete(name)
    else this.refs.set(name, id)
  }

  clear(): void {
    this.refs.clear()
  }
}
