/**
 * Native `git http-backend` (git's smart HTTP server, a CGI program) behind a small Node HTTP
 * server on loopback: the reference git server that tests and benchmarks compare irminsule's
 * sync with, and that irminsule's git client talks to. Each request runs one CGI process; its
 * body streams in and its reply streams out (no whole pack in memory).
 *
 *   const server = await startGitHttpBackend({ root: dir })   // serves every repository under dir
 *   // git clone ${server.url}repo.git …
 *   await server.close()
 */
import { spawn } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface GitHttpBackendOptions {
  /** The directory whose repositories are served (`GIT_PROJECT_ROOT`). */
  root: string
  host?: string
  port?: number
  /** Accept pushes (receive-pack), as the user `irmin` (default: false, read-only). */
  receivePack?: boolean
}

export interface RunningGitHttpBackend {
  /** `http://host:port/`; a repository `r.git` under root is at `${url}r.git`. */
  readonly url: string
  /** Requests answered so far (a round-trip count for tests and benchmarks). */
  readonly requests: number
  close(): Promise<void>
}

export async function startGitHttpBackend(options: GitHttpBackendOptions): Promise<RunningGitHttpBackend> {
  const host = options.host ?? '127.0.0.1'
  let requests = 0
  const server = createServer((request, response) => {
    requests++
    runCgi(options, request, response)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host}:${port}/`,
    get requests() {
      return requests
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function runCgi(options: GitHttpBackendOptions, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://localhost')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_PROJECT_ROOT: options.root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_HTTP_MAX_REQUEST_BUFFER: String(100 * 1024 * 1024),
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: request.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: request.headers['content-type'] ?? '',
    REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
  }
  if (request.headers['content-length']) env.CONTENT_LENGTH = request.headers['content-length']
  if (request.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = request.headers['content-encoding']
  if (request.headers['git-protocol']) env.GIT_PROTOCOL = String(request.headers['git-protocol'])
  if (options.receivePack) env.REMOTE_USER = 'irmin'
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  request.pipe(child.stdin)
  child.stdin.on('error', () => {}) // the CGI may answer (an error) before reading the whole body
  let errors = ''
  child.stderr.on('data', chunk => (errors += chunk))
  child.on('error', error => fail(response, 500, `cannot run git http-backend: ${error.message}`))
  let head = Buffer.alloc(0)
  let headersDone = false
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) return void response.write(chunk)
    head = Buffer.concat([head, chunk])
    const end = head.indexOf('\r\n\r\n')
    if (end < 0) return
    headersDone = true
    writeCgiHeaders(response, head.subarray(0, end).toString('latin1'))
    const rest = head.subarray(end + 4)
    if (rest.length > 0) response.write(rest)
  })
  child.stdout.on('end', () => {
    if (!headersDone) fail(response, 502, `git http-backend answered no headers: ${errors.trim()}`)
    else response.end()
  })
}

function writeCgiHeaders(response: ServerResponse, text: string): void {
  let status = 200
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const name = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500
    else response.setHeader(name, value)
  }
  response.statusCode = status
}

function fail(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) return void response.destroy()
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`)
}
