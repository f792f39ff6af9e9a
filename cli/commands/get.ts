import { formatPath, NotAFileError, NotFoundError } from '../../index.js'
import type { Command } from '../command.js'
import { parseValuePath } from '../paths.js'
import { readableBranch } from '../store/branches.js'
import { contentsFor, readContentsTypes } from '../store/contents-types.js'
import { withStoreOrServer } from '../store/open.js'
import { decodeStored, jsonValues } from '../values.js'

export const get: Command = {
  name: 'get',
  usage: 'PATH',
  summary: 'print the value at PATH',
  description: [
    'Prints the value at PATH on --branch, followed by a newline; with --contents bytes, the exact',
    'bytes and nothing else. A missing PATH prints "not found: PATH" and exits 1.',
  ].join('\n'),
  args: [1, 1],
  async run({ globals, args, out }) {
    const path = parseValuePath(args[0])
    const name = formatPath(path)
    const { bytes, contents } = await withStoreOrServer(globals, async ({ repo }) => {
      const contents = contentsFor(globals, await readContentsTypes(repo), path)
      const tree = await (await readableBranch(repo, globals.branch)).tree()
      const kind = await tree.kind(path)
      if (kind === undefined) throw new NotFoundError(name)
      if (kind === 'dir') throw new NotAFileError(name)
      return { bytes: await tree.get(path), contents }
    })
    const value = decodeStored(name, bytes, contents)
    if (value instanceof Uint8Array && !out.json) return out.raw(value)
    out.result({ path: name, ...jsonValues({ value: bytes }, contents) }, () => (typeof value === 'string' ? value : JSON.stringify(value)))
  },
}
