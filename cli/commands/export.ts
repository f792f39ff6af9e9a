import { chmod, mkdir, readdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EXECUTABLE_MODE, type Repo, SYMLINK_MODE } from '../../index.js'
import type { Command } from '../command.js'
import { TargetNotEmptyError } from '../errors.js'
import { progressBar } from '../progress.js'
import { entryKind, readBodies, treeEntries } from '../store/objects.js'
import { withStore } from '../store/open.js'
import { branchHead, resolveCommit } from '../store/resolve.js'

export const exportCommand: Command = {
  name: 'export',
  usage: 'DIR [COMMIT]',
  summary: 'write the files of a commit (default: the head of --branch) into DIR',
  description: [
    'Writes every value of COMMIT (a branch, a commit id or a unique prefix; default the head of',
    '--branch) as a file under DIR, byte for byte, with executable modes and symbolic links as',
    'stored. DIR must be empty or absent. import DIR reads such a directory back.',
  ].join('\n'),
  args: [1, 2],
  async run({ globals, args, out }) {
    const [dir, name] = args
    await checkTarget(dir)
    const result = await withStore(globals, async ({ repo }) => {
      const commit = name === undefined ? await branchHead(repo, globals.branch) : await resolveCommit(repo, name, globals.branch)
      const files: FileEntry[] = []
      await mkdir(dir, { recursive: true })
      await listTree(repo, (await repo.readCommit(commit)).tree, dir, files)
      const bar = progressBar('export', files.length)
      try {
        for (let start = 0; start < files.length; start += BATCH) {
          const batch = files.slice(start, start + BATCH)
          const bodies = await readBodies(repo, batch.map(f => f.id), 'blob')
          await Promise.all(batch.map((file, i) => writeValue(file, bodies[i])))
          bar.advance(batch.length)
        }
      } finally {
        bar.stop()
      }
      return { dir, commit, files: files.length }
    })
    out.result(result, r => `exported ${r.files} files of ${r.commit} to ${r.dir}`)
  },
}

/** The target must be absent or an empty directory: export never overwrites files. */
async function checkTarget(dir: string): Promise<void> {
  try {
    if ((await readdir(dir)).length === 0) return
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error
  }
  throw new TargetNotEmptyError(dir)
}

/** Values are read this many to a backend call. */
const BATCH = 256

interface FileEntry {
  target: string
  mode: string
  id: string
}

/** Makes the directories of `tree` under `dir` and lists its files, to be written in batches. */
async function listTree(repo: Repo<Uint8Array>, tree: string, dir: string, files: FileEntry[]): Promise<void> {
  for (const entry of await treeEntries(repo, tree)) {
    const target = join(dir, entry.name)
    const kind = entryKind(entry.mode)
    if (kind === 'dir') {
      await mkdir(target)
      await listTree(repo, entry.id, target, files)
    } else if (kind === 'file') files.push({ target, mode: entry.mode, id: entry.id })
    // A submodule is a commit of another repository: nothing of it is stored here.
  }
}

async function writeValue(file: FileEntry, bytes: Uint8Array): Promise<void> {
  if (file.mode === SYMLINK_MODE) return symlink(new TextDecoder().decode(bytes), file.target)
  await writeFile(file.target, bytes)
  if (file.mode === EXECUTABLE_MODE) await chmod(file.target, 0o755)
}
