/**
 * Directories that exist only in the server: git stores no empty directory, so one made by
 * MKDIR, or emptied by a REMOVE, is kept here (by path) until something is put in it or the
 * server stops. `version` changes with every change, for listings and cookie verifiers.
 */
export class EmptyDirs {
  private readonly dirs = new Set<string>()
  version = 0

  has(path: string): boolean {
    return this.dirs.has(path)
  }

  add(path: string): void {
    this.dirs.add(path)
    this.version++
  }

  delete(path: string): void {
    if (this.dirs.delete(path)) this.version++
  }

  /** The names of those directly inside `parent` ('' for the root). */
  childrenOf(parent: string): string[] {
    if (this.dirs.size === 0) return []
    const prefix = parent === '' ? '' : `${parent}/`
    return [...this.dirs].filter(d => d.startsWith(prefix) && !d.slice(prefix.length).includes('/')).map(d => d.slice(prefix.length))
  }

  /** Renames those at or under `from` with `moved(path)` (undefined: not under it). */
  move(moved: (path: string) => string | undefined): void {
    for (const d of [...this.dirs]) {
      const next = moved(d)
      if (next === undefined) continue
      this.delete(d)
      this.add(next)
    }
  }

  /** Drops those that `isDir` says now exist in the tree. */
  async dropExisting(isDir: (path: string) => Promise<boolean>): Promise<void> {
    for (const d of [...this.dirs]) if (await isDir(d)) this.delete(d)
  }
}
