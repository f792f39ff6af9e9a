import { lstat, readdir, readFile, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { EXECUTABLE_MODE, FILE_MODE, formatPath, SYMLINK_MODE } from '../../index.js'
import { booleanOption, type Command, type ContentsName, stringOption } from '../command.js'
import { COMMIT_OPTIONS, commitOptions, CREATE_OPTION } from '../commit-options.js'
import { UsageError } from '../errors.js'
import { parsePathArgument } from '../paths.js'
import { progressBar } from '../progress.js'
import { writableBranch } from '../store/branches.js'
import { addFile, BlobWriter, emptyDir, readFramedBlob, writeTree } from '../store/import-tree.js'
import { withStore } from '../store/open.js'
import { encodeInput } from '../values.js'
import { writeResult } from './write-result.js'

export const importCommand: Command = {
  name: 'import',
  usage: 'DIR [--prefix P] [--replace] [-m MSG] [--author AUTHOR]',
  summary: 'store the files under DIR on --branch (under P), in one commit',
  description: [
    'Stores the files under DIR on --branch in one commit, under the directory P (--prefix, default',
    'the root). What the branch has elsewhere stays, and so do files under P that DIR lacks, unless',
    '--replace: then P (the whole tree, without --prefix) holds exactly the files of DIR. Files are',
    'stored byte for byte, binary or text, with string or bytes --contents (the default); other',
    'contents types check each file (JSON for json, ...). Executable files and symbolic links keep',
    'their git modes; empty directories are not stored (git stores none either). Files stream into',
    'the store as they are read: memory stays bounded by the largest file, whatever DIR holds.',
  ].join('\n'),
  options: {
    prefix: { type: 'string', value: 'P', help: 'the directory of the branch to import into (default: the root)' },
    replace: { type: 'boolean', help: 'make P hold exactly the files of DIR (removing what DIR lacks)' },
    ...COMMIT_OPTIONS,
    ...CREATE_OPTION,
  },
  args: [1, 1],
  async run(ctx) {
    const { globals, args } = ctx
    const dir = args[0]
    const prefix = parsePathArgument(stringOption(ctx, 'prefix') ?? '')
    const replace = booleanOption(ctx, 'replace')
    const files = await listFiles(dir)
    const options = await commitOptions(ctx, `import ${dir}${prefix.length ? ` into ${formatPath(prefix)}` : ''}`)
    const moved = await withStore(globals, async ({ repo }) => {
      const store = await writableBranch(repo, globals.branch, booleanOption(ctx, 'create'))
      const before = await store.headId()
      const imported = emptyDir()
      const blobs = new BlobWriter(repo)
      const bar = progressBar('import', files.length)
      try {
        for (const path of files) {
          const { mode, id } = await storeFile(blobs, dir, path, globals.contents)
          addFile(imported, path, mode, id)
          bar.advance()
        }
        await blobs.flush()
      } finally {
        bar.stop()
      }
      // Laid over the tree at P as the branch has it when the commit is made (again after a lost race).
      const commit = await store.withTree(prefix, async existing => repo.treeOf(await writeTree(repo, imported, replace ? undefined : existing?.hash())), options)
      return { before, after: commit?.id ?? before }
    })
    writeResult(ctx.out, moved)
    ctx.out.note(`imported ${files.length} files from ${dir}`)
  },
}

/** Paths of the files under `dir` (relative, as path steps). */
async function listFiles(dir: string): Promise<string[][]> {
  const info = await lstat(dir).catch(() => undefined)
  if (!info?.isDirectory()) throw new UsageError(`import needs a directory: ${dir} is ${info ? 'not one' : 'not there'}`)
  const found: string[][] = []
  const walk = async (prefix: string[]) => {
    const entries = await readdir(join(dir, ...prefix), { withFileTypes: true })
    for (const entry of entries) {
      const path = [...prefix, entry.name]
      if (entry.isDirectory()) await walk(path)
      else if (entry.isFile() || entry.isSymbolicLink()) found.push(path)
      else throw new UsageError(`cannot import ${join(dir, ...path)}: only files, directories and symbolic links can be stored`)
    }
  }
  await walk([])
  return found
}

/** Stores a file as a blob: as it is for string and bytes contents, checked by the others. */
async function storeFile(blobs: BlobWriter, dir: string, path: string[], contents: ContentsName): Promise<{ mode: string; id: string }> {
  const file = join(dir, ...path)
  const info = await lstat(file)
  if (info.isSymbolicLink()) return { mode: SYMLINK_MODE, id: await blobs.add(new TextEncoder().encode(await readlink(file))) }
  const mode = info.mode & 0o111 ? EXECUTABLE_MODE : FILE_MODE
  if (contents === 'string' || contents === 'bytes') return { mode, id: await blobs.addFramed(await readFramedBlob(file)) }
  return { mode, id: await blobs.add(encodeInput(new Uint8Array(await readFile(file)), contents, file)) }
}
