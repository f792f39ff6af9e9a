/**
 * The file-system steps of durable writes: a file is written whole and fsynced under a temporary
 * name, renamed into place, and its directory fsynced so the rename itself survives a crash.
 */
import { randomBytes } from 'node:crypto'
import { type FileHandle, open, unlink } from 'node:fs/promises'

/** A fresh name with `prefix` (git's `tmp_pack_`, `tmp_idx_`: `git gc` cleans up leftovers). */
export function tempName(prefix: string): string {
  return `${prefix}${randomBytes(6).toString('hex')}`
}

export async function writeAll(file: FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position === undefined ? undefined : position + done)
    done += bytesWritten
  }
}

/** Creates `path` (which must not exist) holding `bytes`, fsynced. */
export async function writeNewFile(path: string, bytes: Uint8Array, mode: number): Promise<void> {
  const file = await open(path, 'wx', mode)
  try {
    await writeAll(file, bytes)
    await file.sync()
  } finally {
    await file.close()
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Removes a file if it is there. */
export async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error
  })
}
