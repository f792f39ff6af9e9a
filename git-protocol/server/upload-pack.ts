/**
 * `POST /git/git-upload-pack` in protocol v2 (gitprotocol-v2): one command per request (HTTP is
 * stateless) — `ls-refs` (the refs, with symrefs and peeled tags) or `fetch` (wants and haves in,
 * acknowledgments or a pack out). Negotiation: without `done`, the haves this store has are
 * acknowledged and, when there is at least one, `ready` follows and the pack with it; with none,
 * `NAK` ends the round and the client sends older haves.
 */
import { isObjectId } from '../../core/index.js'
import type { SyncServerContext } from '../../sync/server/context.js'
import { parseFilter, type Filter } from '../../sync/filter.js'
import { BadRequestError } from '../../sync/errors.js'
import { GitRequestError } from '../errors.js'
import { DELIM_PKT, PktLineReader } from '../pkt-line.js'
import { discard, sendPack, spoolPack } from './pack-objects.js'
import { advertiseRefs } from './refs.js'
import type { GitReply } from './reply.js'

/** `level`: the zlib level for large blobs in the pack (pack-objects.ts, packLevel). */
export async function uploadPackV2(ctx: SyncServerContext, body: AsyncIterable<Uint8Array>, reply: GitReply, level: number): Promise<void> {
  const reader = new PktLineReader(body)
  const head = await reader.readSection('the command')
  const command = head.lines.find(line => line.startsWith('command='))?.slice('command='.length)
  if (command === undefined) {
    if (head.lines.length === 0 && head.end === 'flush') return reply.end() // a client's keep-alive
    throw new GitRequestError('upload-pack: the request names no command')
  }
  const args = head.end === 'delim' ? (await reader.readSection(`the arguments of ${command}`)).lines : []
  if (command === 'ls-refs') return lsRefs(ctx, args, reply)
  if (command === 'fetch') return fetch(ctx, parseFetchArgs(args, ctx.limits), reply, level)
  throw new GitRequestError(`upload-pack: unknown command ${JSON.stringify(command)}`)
}

async function lsRefs(ctx: SyncServerContext, args: readonly string[], reply: GitReply): Promise<void> {
  const prefixes = args.filter(a => a.startsWith('ref-prefix ')).map(a => a.slice('ref-prefix '.length))
  const symrefs = args.includes('symrefs')
  const peel = args.includes('peel')
  for (const ref of await advertiseRefs(ctx.repo)) {
    if (prefixes.length > 0 && !prefixes.some(p => ref.name.startsWith(p))) continue
    let line = `${ref.id} ${ref.name}`
    if (symrefs && ref.symref !== undefined) line += ` symref-target:${ref.symref}`
    if (peel && ref.peeled !== undefined) line += ` peeled:${ref.peeled}`
    await reply.line(line)
  }
  await reply.flush()
  reply.end()
}

export interface FetchArgs {
  readonly wants: string[]
  readonly haves: string[]
  readonly done: boolean
  readonly shallow: string[]
  readonly depth?: number
  readonly filter: Filter
  readonly noProgress: boolean
  readonly ofsDelta: boolean
}

export function parseFetchArgs(args: readonly string[], limits: { wants: number; haves: number }): FetchArgs {
  const wants: string[] = []
  const haves: string[] = []
  const shallow: string[] = []
  let done = false
  let depth: number | undefined
  let filter: Filter = { kind: 'none' }
  let noProgress = false
  let ofsDelta = false
  for (const arg of args) {
    const space = arg.indexOf(' ')
    const [name, value] = space < 0 ? [arg, ''] : [arg.slice(0, space), arg.slice(space + 1)]
    switch (name) {
      case 'want':
        wants.push(objectId(value, 'want'))
        if (wants.length > limits.wants) throw new GitRequestError(`upload-pack: more than ${limits.wants} wants`, 413)
        break
      case 'have':
        haves.push(objectId(value, 'have'))
        if (haves.length > limits.haves) throw new GitRequestError(`upload-pack: more than ${limits.haves} haves`, 413)
        break
      case 'shallow':
        shallow.push(objectId(value, 'shallow'))
        break
      case 'done':
        done = true
        break
      case 'deepen': {
        const n = /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN
        if (!Number.isSafeInteger(n)) throw new GitRequestError(`upload-pack: bad deepen ${JSON.stringify(value)}`)
        // git --unshallow asks for 2^31-1: all of it.
        depth = n >= 0x7fffffff ? undefined : n
        break
      }
      case 'filter':
        filter = gitFilter(value)
        break
      case 'no-progress':
        noProgress = true
        break
      case 'ofs-delta':
        ofsDelta = true
        break
      case 'thin-pack':
      case 'include-tag':
        break // deltas only against bases in the pack (never thin); tags only when wanted
      case 'deepen-since':
      case 'deepen-not':
      case 'deepen-relative':
        throw new GitRequestError(`upload-pack: ${name} is not supported (use --depth)`)
      default:
        throw new GitRequestError(`upload-pack: unexpected fetch argument ${JSON.stringify(arg)}`)
    }
  }
  if (wants.length === 0) throw new GitRequestError('upload-pack: a fetch needs at least one want')
  return { wants, haves, done, shallow, depth, filter, noProgress, ofsDelta }
}

function objectId(value: string, what: string): string {
  if (!isObjectId(value)) throw new GitRequestError(`upload-pack: "${what}" needs an object id, not ${JSON.stringify(String(value).slice(0, 60))}`)
  return value
}

/** git's filter specs that the walk honours: blob:none, tree:0. */
function gitFilter(spec: string): Filter {
  if (spec !== 'blob:none' && spec !== 'tree:0') throw new GitRequestError(`upload-pack: filter ${JSON.stringify(spec)} is not supported (blob:none and tree:0 are)`)
  try {
    return parseFilter(spec)
  } catch (error) {
    if (error instanceof BadRequestError) throw new GitRequestError(error.message)
    throw error
  }
}

async function fetch(ctx: SyncServerContext, args: FetchArgs, reply: GitReply, level: number): Promise<void> {
  // The wants stay out of garbage collection's reach while they are walked and packed.
  const unpin = args.wants.map(id => ctx.repo.objects.gc.pin(id))
  try {
    const present = args.haves.length === 0 ? [] : await ctx.repo.backend.hasObjects(args.haves)
    const common = args.haves.filter((_, i) => present[i])
    if (!args.done) {
      await reply.line('acknowledgments')
      if (common.length === 0) await reply.line('NAK')
      for (const id of common) await reply.line(`ACK ${id}`)
      if (common.length === 0) {
        await reply.flush()
        return reply.end()
      }
      await reply.line('ready')
      await reply.raw(DELIM_PKT)
    }
    const pack = await spoolPack(ctx.repo, { wants: args.wants, haves: common, depth: args.depth, filter: args.filter, clientShallow: args.shallow }, { level, ofsDelta: args.ofsDelta }, () => reply.gone)
    try {
      if (args.depth !== undefined || args.shallow.length > 0 || pack.shallow.length > 0) {
        await reply.line('shallow-info')
        for (const id of pack.shallow) await reply.line(`shallow ${id}`)
        await reply.raw(DELIM_PKT)
      }
      await reply.line('packfile')
      reply.sideBand = true
    } catch (error) {
      await discard(pack)
      throw error
    }
    await sendPack(ctx.repo, pack, reply, args.noProgress)
    await reply.flush()
    reply.end()
  } finally {
    for (const release of unpin) release()
  }
}
