/**
 * upload-pack, client side: the advertisement, listing refs and fetching a pack, in protocol v2
 * (`ls-refs` with peel and symrefs; `fetch` with wants, haves, `done`, thin-pack, ofs-delta,
 * include-tag, `deepen`, `filter`; the pack on side-band with progress) or, when the server only
 * speaks v0, the v0 exchange (refs in the advertisement, `want … caps`, haves, `done`).
 */
import { DELIM_PKT, FLUSH_PKT, concatLines, lineText, type PktLine, pktLine, PktLineReader } from '../pkt-line.js'
import { GitProtocolViolationError, GitRemoteError } from '../errors.js'
import type { GitHttp } from './http.js'

export interface RemoteRef {
  readonly name: string
  readonly id: string
  /** For an annotated tag: the object it finally names. */
  readonly peeled?: string
  /** For a symbolic ref (HEAD): the ref it points at. */
  readonly symref?: string
}

export interface FetchRequest {
  readonly wants: readonly string[]
  readonly haves: readonly string[]
  readonly depth?: number
  readonly filter?: string
  /** Server progress lines (side-band 2), as they come. */
  readonly onRemoteProgress?: (text: string) => void
}

export interface FetchReply {
  /** Commits the server made shallow boundaries (deepen). */
  readonly shallow: string[]
  readonly unshallow: string[]
  /** The pack's bytes, as they arrive. */
  readonly pack: AsyncIterable<Uint8Array>
}

type Capabilities = Map<string, string | undefined>

/** One upload-pack conversation: the advertisement read, then requests. */
export class UploadPack {
  private constructor(
    private readonly http: GitHttp,
    readonly version: 0 | 2,
    private readonly capabilities: Capabilities,
    private readonly v0Refs: RemoteRef[],
  ) {}

  static async connect(http: GitHttp): Promise<UploadPack> {
    const { body } = await http.advertise('git-upload-pack')
    const ad = await readAdvertisement(new PktLineReader(body))
    return new UploadPack(http, ad.version, ad.capabilities, ad.refs)
  }

  /** HEAD, branches and tags, with tags peeled. */
  async refs(): Promise<RemoteRef[]> {
    if (this.version === 0) return this.v0Refs
    const args = ['peel', 'symrefs', 'ref-prefix HEAD', 'ref-prefix refs/heads/', 'ref-prefix refs/tags/']
    const reader = new PktLineReader(await this.http.post('git-upload-pack', this.command('ls-refs', args), true))
    const refs: RemoteRef[] = []
    for (const text of (await reader.readSection('the ls-refs reply')).lines) {
      checkErr(text)
      const [id, name, ...attributes] = text.split(' ')
      if (!isId(id) || !name) throw new GitProtocolViolationError(`ls-refs line "${text.slice(0, 100)}"`)
      const attribute = (key: string) => attributes.find((a) => a.startsWith(key))?.slice(key.length)
      refs.push({ name, id, peeled: attribute('peeled:'), symref: attribute('symref-target:') })
    }
    return refs
  }

  async fetch(request: FetchRequest): Promise<FetchReply> {
    if (request.filter !== undefined && !this.supports('filter')) throw new GitRemoteError(`this server does not support --filter (uploadpack.allowFilter is off)`)
    if (request.depth !== undefined && !this.supports('shallow')) throw new GitRemoteError('this server does not support shallow fetches')
    return this.version === 2 ? this.fetchV2(request) : this.fetchV0(request)
  }

  private supports(feature: string): boolean {
    if (this.version === 0) return this.capabilities.has(feature)
    return (this.capabilities.get('fetch') ?? '').split(' ').includes(feature)
  }

  private async fetchV2(request: FetchRequest): Promise<FetchReply> {
    const args = ['thin-pack', 'ofs-delta', 'include-tag']
    if (!request.onRemoteProgress) args.push('no-progress')
    if (request.depth !== undefined) args.push(`deepen ${request.depth}`)
    if (request.filter !== undefined) args.push(`filter ${request.filter}`)
    for (const id of request.wants) args.push(`want ${id}`)
    for (const id of request.haves) args.push(`have ${id}`)
    args.push('done')
    const reader = new PktLineReader(await this.http.post('git-upload-pack', this.command('fetch', args), true))
    const shallow: string[] = []
    const unshallow: string[] = []
    for (;;) {
      const header = await reader.expect('a fetch reply section')
      if (header.kind !== 'data') throw new GitProtocolViolationError(`a ${header.kind} packet where a section was expected`)
      const section = lineText(header)
      checkErr(section)
      if (section === 'packfile') return { shallow, unshallow, pack: sideBand(reader, request.onRemoteProgress) }
      const { lines, end } = await reader.readSection(`the ${section} section`)
      if (section === 'shallow-info') readShallowLines(lines, shallow, unshallow)
      if (end !== 'delim') throw new GitProtocolViolationError(`the fetch reply ended after "${section}" without a pack`)
    }
  }

  private async fetchV0(request: FetchRequest): Promise<FetchReply> {
    const caps = ['side-band-64k', 'thin-pack', 'ofs-delta', 'include-tag', 'shallow'].filter((c) => this.capabilities.has(c))
    if (!request.onRemoteProgress && this.capabilities.has('no-progress')) caps.push('no-progress')
    if (request.filter !== undefined) caps.push('filter')
    caps.push(`agent=${this.http.agent}`)
    const lines = request.wants.map((id, i) => pktLine(`want ${id}${i === 0 ? ` ${caps.join(' ')}` : ''}\n`))
    if (request.depth !== undefined) lines.push(pktLine(`deepen ${request.depth}\n`))
    if (request.filter !== undefined) lines.push(pktLine(`filter ${request.filter}\n`))
    lines.push(FLUSH_PKT)
    for (const id of request.haves) lines.push(pktLine(`have ${id}\n`))
    lines.push(pktLine('done\n'))
    const reader = new PktLineReader(await this.http.post('git-upload-pack', concatLines(lines), false))
    const shallow: string[] = []
    const unshallow: string[] = []
    const shallowLines: string[] = []
    for (;;) {
      const line = await reader.expect('NAK or ACK')
      if (line.kind !== 'data') continue // the flush after the shallow lines
      const text = lineText(line)
      checkErr(text)
      if (text.startsWith('shallow ') || text.startsWith('unshallow ')) shallowLines.push(text)
      else if (text === 'NAK' || text.startsWith('ACK ')) {
        if (text.startsWith('ACK ') && text.split(' ').length > 2) continue // a multi-ack status line
        break
      } else throw new GitProtocolViolationError(`"${text.slice(0, 100)}" where NAK or ACK was expected`)
    }
    readShallowLines(shallowLines, shallow, unshallow)
    const pack = caps.includes('side-band-64k') ? sideBand(reader, request.onRemoteProgress) : reader.rest()
    return { shallow, unshallow, pack }
  }

  private command(name: string, args: string[]): Uint8Array {
    const lines = [pktLine(`command=${name}\n`), pktLine(`agent=${this.http.agent}\n`)]
    if (this.capabilities.has('object-format')) lines.push(pktLine('object-format=sha1\n'))
    lines.push(DELIM_PKT, ...args.map((a) => pktLine(`${a}\n`)), FLUSH_PKT)
    return concatLines(lines)
  }
}

/** The advertisement after the optional `# service=…` line: v2 capabilities, or v0 refs and capabilities. */
export async function readAdvertisement(reader: PktLineReader): Promise<{ version: 0 | 2; capabilities: Capabilities; refs: RemoteRef[] }> {
  let first = await reader.expect('the advertisement')
  if (first.kind === 'data' && lineText(first).startsWith('# service=')) {
    const flush = await reader.expect('the flush after the service line')
    if (flush.kind !== 'flush') throw new GitProtocolViolationError('no flush after the service line')
    first = await reader.expect('the advertisement')
  }
  const capabilities: Capabilities = new Map()
  if (first.kind === 'data' && lineText(first) === 'version 2') {
    for (const text of (await reader.readSection('the v2 capabilities')).lines) {
      const eq = text.indexOf('=')
      capabilities.set(eq < 0 ? text : text.slice(0, eq), eq < 0 ? undefined : text.slice(eq + 1))
    }
    return { version: 2, capabilities, refs: [] }
  }
  return { version: 0, capabilities, refs: await readV0Refs(first, reader, capabilities) }
}

/** v0 ref lines (`id name`, the first with `\0capabilities`, peeled tags as `name^{}`) up to the flush. */
async function readV0Refs(first: PktLine, reader: PktLineReader, capabilities: Capabilities): Promise<RemoteRef[]> {
  const refs: Array<{ name: string; id: string; peeled?: string; symref?: string }> = []
  for (let line = first; line.kind === 'data'; line = await reader.expect('the ref advertisement')) {
    let text = lineText(line)
    checkErr(text)
    const nul = text.indexOf('\0')
    if (nul >= 0) {
      for (const cap of text.slice(nul + 1).split(' ').filter(Boolean)) {
        const eq = cap.indexOf('=')
        if (cap.startsWith('symref=')) continue
        capabilities.set(eq < 0 ? cap : cap.slice(0, eq), eq < 0 ? undefined : cap.slice(eq + 1))
      }
      for (const cap of text.slice(nul + 1).split(' ')) {
        if (!cap.startsWith('symref=')) continue
        const [from, to] = cap.slice(7).split(':')
        capabilities.set(`symref:${from}`, to)
      }
      text = text.slice(0, nul)
    }
    const [id, name] = text.split(' ')
    if (!isId(id) || !name) throw new GitProtocolViolationError(`ref line "${text.slice(0, 100)}"`)
    if (name === 'capabilities^{}') continue // an empty repository
    if (name.endsWith('^{}')) {
      const tag = refs.find((r) => r.name === name.slice(0, -3))
      if (tag) tag.peeled = id
      continue
    }
    refs.push({ name, id })
  }
  for (const ref of refs) {
    const target = capabilities.get(`symref:${ref.name}`)
    if (target) ref.symref = target
  }
  return refs
}

/** Demultiplexes side-band-64k: band 1 is the pack, 2 progress, 3 a fatal error; a flush ends it. */
export async function* sideBand(reader: PktLineReader, onProgress?: (text: string) => void): AsyncGenerator<Uint8Array> {
  for (;;) {
    const line = await reader.next()
    if (!line || line.kind !== 'data') return
    const band = line.data[0]
    if (band === 1) yield line.data.subarray(1)
    else if (band === 2) onProgress?.(new TextDecoder().decode(line.data.subarray(1)))
    else if (band === 3) throw new GitRemoteError(new TextDecoder().decode(line.data.subarray(1)).trim())
    else throw new GitProtocolViolationError(`side-band line on unknown band ${band}`)
  }
}

function readShallowLines(lines: string[], shallow: string[], unshallow: string[]): void {
  for (const text of lines) {
    const [kind, id] = text.split(' ')
    if (!isId(id) || (kind !== 'shallow' && kind !== 'unshallow')) throw new GitProtocolViolationError(`shallow-info line "${text.slice(0, 100)}"`)
    ;(kind === 'shallow' ? shallow : unshallow).push(id)
  }
}

function checkErr(text: string): void {
  if (text.startsWith('ERR ')) throw new GitRemoteError(text.slice(4))
}

function isId(text: string | undefined): text is string {
  return text !== undefined && /^[0-9a-f]{40}$/.test(text)
}
