/**
 * git's `shallow` file: the commits whose parents the repository deliberately lacks (one id per
 * line). git reads it to end history walks there without calling the absent parents damage;
 * irminsule keeps its history boundary (GC windows) in it, so both agree.
 */
import { readFile } from 'node:fs/promises'
import { isObjectId } from '../../core/hex.js'
import { CorruptRefError } from '../../core/errors.js'
import { removeFile } from './durable.js'
import { LockFile, type LockOptions } from './lock.js'

export class ShallowFile {
  constructor(
    readonly path: string,
    private readonly lockOptions: LockOptions,
  ) {}

  async read(): Promise<string[]> {
    const text = await readFile(this.path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return ''
      throw error
    })
    const ids = text.split('\n').filter(line => line !== '')
    for (const id of ids) if (!isObjectId(id)) throw new CorruptRefError(this.path, `line ${JSON.stringify(id)} is not an object id`)
    return ids
  }

  /** Replaces the list (under `shallow.lock`, as git does); an empty list removes the file. */
  async write(ids: readonly string[]): Promise<void> {
    for (;;) {
      const lock = await LockFile.acquire(this.path, this.lockOptions)
      if (ids.length === 0) {
        await removeFile(this.path)
        await lock.release()
        return
      }
      if (await lock.commit(ids.map(id => `${id}\n`).join(''))) return
    }
  }
}
