/**
 * Building a tree from files without holding their contents: each file becomes a blob as it is
 * read, written in batches of about 4 MiB, and only its id and mode are kept; directories are
 * then written bottom-up as git tree objects, laid over what the branch already has there (or
 * replacing it). Memory is bounded by the largest file plus one batch, not by the whole import.
 */
import { open } from 'node:fs/promises'
import { frameObject, type GitTreeEntry, type Repo, serializeTreeEntries, TREE_MODE } from '../../index.js'
import { treeEntries } from './objects.js'

const BATCH_BYTES = 4 * 1024 * 1024
/** The empty tree's id: a new branch's tree, which no store needs to hold. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

/** Writes blobs in batches; `add` answers the id at once. */
export class BlobWriter {
  private batch: Array<[string, Uint8Array]> = []
  private bytes = 0

  constructor(private readonly repo: Repo<Uint8Array>) {}

  /** Stores `body` as a blob (framed here: a copy). */
  add(body: Uint8Array): Promise<string> {
    return this.addFramed(frameObject('blob', body))
  }

  /** Stores an already framed blob (`blob SIZE\0` and the bytes), as `readFramedBlob` reads one. */
  async addFramed(framed: Uint8Array): Promise<string> {
    const id = this.repo.objects.hash(framed)
    this.batch.push([id, framed])
    this.bytes += framed.length
    if (this.bytes >= BATCH_BYTES) await this.flush()
    return id
  }

  async flush(): Promise<void> {
    const batch = this.batch
    this.batch = []
    this.bytes = 0
    await this.repo.objects.write(batch)
  }
}

/**
 * A file read straight into a framed blob (header, then the bytes): one buffer per file, where
 * reading and then framing would make two.
 */
export async function readFramedBlob(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r')
  try {
    const size = (await handle.stat()).size
    const header = new TextEncoder().encode(`blob ${size}\0`)
    const framed = new Uint8Array(header.length + size)
    framed.set(header)
    let done = 0
    while (done < size) {
      const { bytesRead } = await handle.read(framed, header.length + done, size - done, done)
      if (bytesRead === 0) throw new Error(`${file} became shorter while it was read`)
      done += bytesRead
    }
    return framed
  } finally {
    await handle.close()
  }
}

/** The imported files, as a directory tree of blob ids and modes. */
export interface ImportDir {
  readonly files: Map<string, { mode: string; id: string }>
  readonly dirs: Map<string, ImportDir>
}

export function emptyDir(): ImportDir {
  return { files: new Map(), dirs: new Map() }
}

export function addFile(root: ImportDir, path: readonly string[], mode: string, id: string): void {
  let dir = root
  for (const step of path.slice(0, -1)) {
    let next = dir.dirs.get(step)
    if (!next) dir.dirs.set(step, (next = emptyDir()))
    dir = next
  }
  dir.files.set(path[path.length - 1], { mode, id })
}

/**
 * Writes `dir` as a tree laid over the tree `existing` (a file or directory in `dir` wins over
 * what has its name there; everything else of `existing` stays), and returns its id.
 */
export async function writeTree(repo: Repo<Uint8Array>, dir: ImportDir, existing: string | undefined): Promise<string> {
  const entries = new Map<string, GitTreeEntry>()
  if (existing && existing !== EMPTY_TREE) for (const entry of await treeEntries(repo, existing)) entries.set(entry.name, entry)
  for (const [name, file] of dir.files) entries.set(name, { name, ...file })
  for (const [name, sub] of dir.dirs) {
    const before = entries.get(name)
    const id = await writeTree(repo, sub, before?.mode === TREE_MODE ? before.id : undefined)
    entries.set(name, { name, mode: TREE_MODE, id })
  }
  const framed = serializeTreeEntries([...entries.values()])
  const id = repo.objects.hash(framed)
  await repo.objects.write([[id, framed]])
  return id
}
