import { lstat, readdir, readFile, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { EXECUTABLE_MODE, FILE_MODE, SYMLINK_MODE, type TreeOp } from '../../index.js'
import { booleanOption, type Command, type ContentsName } from '../command.js'
import { COMMIT_OPTIONS, commitOptions, CREATE_OPTION } from '../commit-options.js'
import { writableBranch } from '../store/branches.js'
import { UsageError } from '../errors.js'
import { progressBar } from '../progress.js'
import { withStore } from '../store/open.js'
import { encodeInput } from '../values.js'
import { writeResult } from './write-result.js'

export const importCommand: Command = {
  name: 'import',
  usage: 'DIR [-m MSG] [--author AUTHOR]',
  summary: 'make the files under DIR the tree of --branch, in one commit',
  description: [
    'Replaces the tree of --branch with the files under DIR, in one commit: a path that is not',
    'under DIR is removed. Each file must suit --contents (UTF-8 text for string, JSON for json;',
    'bytes takes anything and keeps it byte for byte). Executable files and symbolic links keep',
    'their git modes; empty directories are not stored (git stores none either).',
  ].join('\n'),
  options: { ...COMMIT_OPTIONS, ...CREATE_OPTION },
  args: [1, 1],
  async run(ctx) {
    const { globals, args } = ctx
    const dir = args[0]
    const files = await listFiles(dir)
    const bar = progressBar('import', files.length)
    const ops: TreeOp<Uint8Array>[] = []
    try {
      for (const file of files) {
        ops.push(await readOp(dir, file, globals.contents))
        bar.advance()
      }
    } finally {
      bar.stop()
    }
    const options = await commitOptions(ctx, `import ${dir}`)
    const moved = await withStore(globals, async ({ repo }) => {
      const store = await writableBranch(repo, globals.branch, booleanOption(ctx, 'create'))
      const before = await store.headId()
      const tree = await repo.emptyTree().update(ops)
      return { before, after: (await store.setTree([], tree, options))?.id }
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

async function readOp(dir: string, path: string[], contents: ContentsName): Promise<TreeOp<Uint8Array>> {
  const file = join(dir, ...path)
  const info = await lstat(file)
  if (info.isSymbolicLink()) return { op: 'set', path, value: new TextEncoder().encode(await readlink(file)), mode: SYMLINK_MODE }
  const mode = info.mode & 0o111 ? EXECUTABLE_MODE : FILE_MODE
  return { op: 'set', path, value: encodeInput(new Uint8Array(await readFile(file)), contents, file), mode }
}
