/**
 * Finding and creating the git repository a backend lives in. `dir` is a bare repository, or a
 * work tree whose `.git` is a directory or a `gitdir: <path>` file (submodules, linked work
 * trees, which keep objects and refs in the directory their `commondir` file names). A directory
 * is a git directory when it has HEAD, objects/ and refs/, as git decides (is_git_directory).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { NotARepositoryError } from '../../core/errors.js'
import { fsyncDir, writeNewFile } from './durable.js'

export interface Repository {
  /** The git directory (HEAD, config). */
  gitDir: string
  /** Where objects/, refs/ and packed-refs are: the git directory, or a linked work tree's common one. */
  commonDir: string
}

export function findRepository(dir: string): Repository | undefined {
  const dotGit = join(dir, '.git')
  const info = statOrUndefined(dotGit)
  if (info?.isDirectory()) return asRepository(dotGit)
  if (info?.isFile()) {
    const pointer = /^gitdir: *(.+)$/m.exec(readFileSync(dotGit, 'utf8'))
    if (pointer) return asRepository(resolve(dir, pointer[1].trim()))
  }
  return asRepository(dir)
}

function asRepository(gitDir: string): Repository | undefined {
  const common = join(gitDir, 'commondir')
  const commonDir = existsSync(common) ? resolve(gitDir, readFileSync(common, 'utf8').trim()) : gitDir
  const isDir = (path: string) => statOrUndefined(path)?.isDirectory() === true
  if (!existsSync(join(gitDir, 'HEAD')) || !isDir(join(commonDir, 'objects')) || !isDir(join(commonDir, 'refs'))) return undefined
  return { gitDir, commonDir }
}

/** The file's status, or undefined when it is not there (or a parent is not a directory). */
export function statOrUndefined(path: string) {
  try {
    return statSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }
}

/**
 * Throws `NotARepositoryError` for repositories this backend cannot read or write correctly:
 * SHA-256 object ids, refs in a reftable, format versions git itself does not know.
 */
export function checkFormat(repository: Repository): void {
  const config = readConfig(join(repository.commonDir, 'config'))
  const version = Number(config.get('core.repositoryformatversion') ?? '0')
  if (version !== 0 && version !== 1) throw new NotARepositoryError(repository.gitDir, `repository format version ${version} is unknown`)
  const objectFormat = config.get('extensions.objectformat')?.toLowerCase()
  if (objectFormat !== undefined && objectFormat !== 'sha1') {
    throw new NotARepositoryError(repository.gitDir, `it uses ${objectFormat} object ids; irminsule reads SHA-1 repositories`)
  }
  const refStorage = config.get('extensions.refstorage')?.toLowerCase()
  if (refStorage !== undefined && refStorage !== 'files') {
    throw new NotARepositoryError(repository.gitDir, `its refs are in a ${refStorage}; irminsule reads files and packed-refs`)
  }
}

/** `section.key` (lowercase, subsections ignored) → value, for the few settings checked above. */
function readConfig(path: string): Map<string, string> {
  const settings = new Map<string, string>()
  if (!existsSync(path)) return settings
  let section = ''
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim()
    const header = /^\[\s*([A-Za-z0-9.-]+)/.exec(line)
    if (header) section = header[1].toLowerCase()
    const setting = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line)
    if (setting) settings.set(`${section}.${setting[1].toLowerCase()}`, setting[2].replace(/^"(.*)"$/, '$1'))
  }
  return settings
}

/**
 * Creates a repository git accepts: bare in `dir`, or with a work tree (`dir/.git`). HEAD is
 * written last, so a concurrent `findRepository` sees either no repository or a whole one; files
 * another creator wrote first are left as they are.
 */
export async function createRepository(dir: string, bare: boolean): Promise<Repository> {
  const gitDir = bare ? dir : join(dir, '.git')
  for (const sub of ['objects/pack', 'objects/info', 'refs/heads', 'refs/tags']) mkdirSync(join(gitDir, sub), { recursive: true })
  const config = ['[core]', '\trepositoryformatversion = 0', '\tfilemode = true', `\tbare = ${bare}`, ...(bare ? [] : ['\tlogallrefupdates = true']), '']
  await writeIfAbsent(join(gitDir, 'config'), config.join('\n'))
  await writeIfAbsent(join(gitDir, 'HEAD'), 'ref: refs/heads/main\n')
  for (const created of [join(gitDir, 'objects'), join(gitDir, 'refs'), gitDir, dirname(gitDir)]) await fsyncDir(created)
  return { gitDir, commonDir: gitDir }
}

async function writeIfAbsent(path: string, text: string): Promise<void> {
  try {
    await writeNewFile(path, Buffer.from(text), 0o644)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
}
