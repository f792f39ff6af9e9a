/**
 * `POST /git/git-receive-pack` (gitprotocol-pack, "Pushing Data To a Server"): commands
 * (`old new ref`, capabilities after a NUL on the first), a flush, then the pack unless every
 * command deletes. Replies with report-status: `unpack ok` (or the reason the pack was refused)
 * and `ok`/`ng` per ref.
 *
 * The checks are the sync push's (sync/server/): every object hash-checked and well-formed as it
 * arrives (PushedObjects), the closure of each new commit complete in the store (checkPushed),
 * and a ref moved only from the `old` git sends, by compare-and-swap. So a non-fast-forward lands
 * only when forced (git refuses an unforced one itself, and a forced push is a command whose old
 * id is the ref's current value); a ref that moved meanwhile is `ng … stale`. Everything runs
 * under one WriteHold: what arrived is kept from garbage collection until the push is decided.
 * `atomic`: every command is checked first and all refs move, or none.
 */
import { IrminError, isObjectId } from '../../core/index.js'
import { refNameProblem } from '../../core/ref-name.js'
import { WriteHold } from '../../core/write-hold.js'
import { StaleRefError } from '../../sync/errors.js'
import type { SyncServerContext } from '../../sync/server/context.js'
import { checkPushed, movePushedRef } from '../../sync/server/push-move.js'
import { PushedObjects } from '../../sync/server/pushed-objects.js'
import { GitRequestError } from '../errors.js'
import { parsePack } from '../pack-parser.js'
import { PktLineReader } from '../pkt-line.js'
import type { GitReply } from './reply.js'

const ZERO_ID = '0'.repeat(40)
const PUSHABLE = ['refs/heads/', 'refs/tags/']
/** Commands in one push. */
const MAX_COMMANDS = 10_000

interface Command {
  readonly ref: string
  /** null: the ref must be absent (a create). */
  readonly old: string | null
  /** null: delete the ref. */
  readonly new: string | null
}

/** `body`: the request body (body.ts: gunzipped, bounded by the push bytes limit). */
export async function receivePack(ctx: SyncServerContext, body: AsyncIterable<Uint8Array>, reply: GitReply): Promise<void> {
  const reader = new PktLineReader(body)
  const { commands, capabilities } = await readCommands(reader)
  if (commands.length === 0) return reply.end()
  const hold = new WriteHold(ctx.repo)
  try {
    let unpackError: string | undefined
    if (commands.some(c => c.new !== null)) unpackError = await receiveObjects(ctx, hold, reader.rest())
    const results = unpackError !== undefined ? commands.map(() => 'unpacker error') : capabilities.has('atomic') ? await moveAtomically(ctx, hold, commands) : await moveEach(ctx, hold, commands)
    if (!capabilities.has('report-status')) return reply.end()
    await reply.line(unpackError === undefined ? 'unpack ok' : `unpack ${oneLine(unpackError)}`)
    for (const [i, command] of commands.entries()) await reply.line(results[i] === undefined ? `ok ${command.ref}` : `ng ${command.ref} ${oneLine(results[i]!)}`)
    await reply.flush()
    reply.end()
  } finally {
    hold.release()
  }
}

async function readCommands(reader: PktLineReader): Promise<{ commands: Command[]; capabilities: Set<string> }> {
  const { lines, end } = await reader.readSection('the push commands')
  if (end !== 'flush') throw new GitRequestError('receive-pack: the commands end with a flush')
  const capabilities = new Set<string>()
  const commands: Command[] = []
  for (const [i, raw] of lines.entries()) {
    const nul = raw.indexOf('\0')
    if (i === 0 && nul >= 0) for (const cap of raw.slice(nul + 1).split(' ')) if (cap) capabilities.add(cap)
    const line = nul >= 0 ? raw.slice(0, nul) : raw
    if (line.startsWith('shallow ')) continue // a shallow client's boundary: the closure check decides
    const [old, next, ref, extra] = line.split(' ')
    if (extra !== undefined || !isObjectId(old) || !isObjectId(next) || ref === undefined) throw new GitRequestError(`receive-pack: a command is "old-id new-id ref", not ${JSON.stringify(line.slice(0, 120))}`)
    const problem = refNameProblem(ref)
    if (problem !== undefined) throw new GitRequestError(`receive-pack: bad ref name ${JSON.stringify(ref)}: ${problem}`)
    if (commands.some(c => c.ref === ref)) throw new GitRequestError(`receive-pack: ${ref} appears twice`)
    commands.push({ ref, old: old === ZERO_ID ? null : old, new: next === ZERO_ID ? null : next })
    if (commands.length > MAX_COMMANDS) throw new GitRequestError(`receive-pack: more than ${MAX_COMMANDS} commands`, 413)
  }
  return { commands, capabilities }
}

/** Stores the pack's objects; returns why the pack was refused, if it was (what checked is kept). */
async function receiveObjects(ctx: SyncServerContext, hold: WriteHold<Uint8Array>, pack: AsyncIterable<Uint8Array>): Promise<string | undefined> {
  const intake = new PushedObjects(ctx.repo, hold, ctx.limits)
  // A base the parser no longer holds (or a thin pack's, which we have): stored objects, once what arrived is flushed.
  const loadBase = async (id: string) => {
    await intake.finish()
    return (await ctx.repo.backend.getObjects([id]))[0]
  }
  try {
    for await (const object of parsePack(pack, { loadBase })) await intake.add(object.id, object.framed)
    return undefined
  } catch (error) {
    if (error instanceof IrminError) return error.message
    throw error
  } finally {
    await intake.finish()
  }
}

/** Each command on its own: undefined for ok, else the reason for `ng`. */
async function moveEach(ctx: SyncServerContext, hold: WriteHold<Uint8Array>, commands: readonly Command[]): Promise<Array<string | undefined>> {
  const results: Array<string | undefined> = []
  for (const command of commands) {
    try {
      refusePlace(command.ref)
      await movePushedRef(ctx, hold, { ref: command.ref, old: command.old, new: command.new, mode: 'force' }, { exactOld: true })
      results.push(undefined)
    } catch (error) {
      if (!(error instanceof IrminError)) throw error
      results.push(error.message)
    }
  }
  return results
}

/**
 * All or nothing: every command is checked (closure, lease) before any ref moves; then the refs
 * move one compare-and-swap each, and if one fails (another writer moved it meanwhile) those
 * already moved are swapped back. The backend has no multi-ref transaction, so a reader may see
 * some refs moved before the rest for that moment.
 */
async function moveAtomically(ctx: SyncServerContext, hold: WriteHold<Uint8Array>, commands: readonly Command[]): Promise<Array<string | undefined>> {
  const failed = (index: number, reason: string) => commands.map((_, i) => (i === index ? reason : 'atomic push failed'))
  for (const [i, command] of commands.entries()) {
    try {
      refusePlace(command.ref)
      const current = command.new === null ? ((await ctx.repo.backend.getRef(command.ref)) ?? null) : ((await checkPushed(ctx, hold, command.ref, command.new)).head?.id ?? null)
      if (current !== command.old) throw new StaleRefError(command.ref, command.old, current)
    } catch (error) {
      if (!(error instanceof IrminError)) throw error
      return failed(i, error.message)
    }
  }
  const moved: Command[] = []
  for (const [i, command] of commands.entries()) {
    if (await ctx.repo.backend.casRef(command.ref, command.old ?? undefined, command.new ?? undefined)) {
      moved.push(command)
      continue
    }
    for (const done of moved.reverse()) await ctx.repo.backend.casRef(done.ref, done.new ?? undefined, done.old ?? undefined)
    const now = (await ctx.repo.backend.getRef(command.ref)) ?? null
    return failed(i, new StaleRefError(command.ref, command.old, now).message)
  }
  for (const command of moved) ctx.refMoved(command.ref, command.new ?? undefined)
  return commands.map(() => undefined)
}

function refusePlace(ref: string): void {
  if (!PUSHABLE.some(prefix => ref.startsWith(prefix) && ref.length > prefix.length)) throw new GitRequestError(`only branches (refs/heads/…) and tags (refs/tags/…) can be pushed here, not ${ref}`)
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}
