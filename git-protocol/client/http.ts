/**
 * Git's smart HTTP transport, client side (gitprotocol-http): `GET info/refs?service=…` for the
 * advertisement, `POST /<service>` for a request; replies stream as chunks. Credentials go as
 * HTTP Basic: from the URL's user info (`https://user:pass@host/repo.git`, removed from the
 * URL actually requested) or `username`/`password` options. `Git-Protocol: version=2` is sent
 * when asked for; a server that only speaks v0 ignores it.
 */
import { toReadableStream } from '../../sync/client/push.js'
import { GitAuthError, GitHttpError, GitTransferError } from '../errors.js'

export type GitService = 'git-upload-pack' | 'git-receive-pack'

export interface GitHttpOptions {
  readonly username?: string
  /** The HTTP Basic password (irmin serve: its token). */
  readonly password?: string
  /** Ask for protocol v2 (default true; false forces v0, as for a server that breaks on v2). */
  readonly protocolV2?: boolean
}

const AGENT = 'irminsule/0.1'

export class GitHttp {
  /** The repository URL without credentials and without a trailing slash. */
  readonly url: string
  private readonly authorization: string | undefined
  requests = 0

  constructor(
    url: string,
    private readonly options: GitHttpOptions = {},
  ) {
    const parsed = new URL(url)
    const username = options.username ?? decodeURIComponent(parsed.username)
    const password = options.password ?? decodeURIComponent(parsed.password)
    parsed.username = ''
    parsed.password = ''
    this.url = parsed.toString().replace(/\/+$/, '')
    this.authorization = username || password ? `Basic ${Buffer.from(`${username || 'git'}:${password}`).toString('base64')}` : undefined
  }

  get agent(): string {
    return AGENT
  }

  get wantsV2(): boolean {
    return this.options.protocolV2 ?? true
  }

  /** The service's advertisement (`info/refs`), with the content type the server gave it. */
  async advertise(service: GitService): Promise<{ contentType: string; body: AsyncIterable<Uint8Array> }> {
    const headers: Record<string, string> = { 'user-agent': AGENT }
    if (service === 'git-upload-pack' && this.wantsV2) headers['git-protocol'] = 'version=2'
    const response = await this.request(`${this.url}/info/refs?service=${service}`, { headers })
    return { contentType: response.headers.get('content-type') ?? '', body: this.body(response) }
  }

  /** POSTs a request to the service; the reply's body as chunks. */
  async post(service: GitService, body: Uint8Array | AsyncIterable<Uint8Array>, v2: boolean): Promise<AsyncIterable<Uint8Array>> {
    const headers: Record<string, string> = {
      'user-agent': AGENT,
      'content-type': `application/x-${service}-request`,
      accept: `application/x-${service}-result`,
    }
    if (v2) headers['git-protocol'] = 'version=2'
    const init: RequestInit & { duplex?: 'half' } =
      body instanceof Uint8Array ? { method: 'POST', headers, body: body as BodyInit } : { method: 'POST', headers, body: toReadableStream(body), duplex: 'half' }
    // upload-pack only reads: a whole body sent again asks the same question.
    const response = await this.request(`${this.url}/${service}`, init, service === 'git-upload-pack' && body instanceof Uint8Array)
    return this.body(response)
  }

  /** `again`: the request may be sent twice (a GET is; a POST says). */
  private async request(url: string, init: RequestInit, again = init.method !== 'POST'): Promise<Response> {
    this.requests++
    const headers = new Headers(init.headers)
    if (this.authorization) headers.set('authorization', this.authorization)
    let response: Response
    try {
      response = await fetch(url, { ...init, headers })
    } catch (error) {
      // A kept-alive connection the server closed meanwhile (its idle timeout on a busy machine):
      // what is safe to send again goes once more.
      if (!again) throw new GitTransferError(this.url, describe(error))
      try {
        response = await fetch(url, { ...init, headers })
      } catch (again) {
        throw new GitTransferError(this.url, describe(again))
      }
    }
    if (response.ok) return response
    const detail = (await response.text().catch(() => '')).trim().split('\n')[0]!.slice(0, 200)
    if (response.status === 401 || response.status === 403) throw new GitAuthError(this.url, response.status, detail || 'credentials missing or refused')
    throw new GitHttpError(this.url, response.status, detail)
  }

  /** The body's chunks; a connection that breaks is a GitTransferError. */
  private async *body(response: Response): AsyncGenerator<Uint8Array> {
    if (!response.body) return
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) yield chunk
    } catch (error) {
      throw new GitTransferError(this.url, describe(error))
    }
  }
}

function describe(error: unknown): string {
  const e = error as Error & { cause?: Error }
  return e.cause?.message ? `${e.message} (${e.cause.message})` : e.message
}
