import type { IncomingMessage } from 'node:http'
import type { SyncServerContext } from '../../sync/server/context.js'
import { GitRequestError } from '../errors.js'
import type { GitReply } from './reply.js'

export async function receivePack(_ctx: SyncServerContext, _request: IncomingMessage, _reply: GitReply): Promise<void> {
  throw new GitRequestError('receive-pack: not yet', 501)
}
