/**
 * Native git's smart HTTP server, `git http-backend`, behind a small Node CGI bridge: each request
 * runs the CGI program with the CGI variables set, its body piped in, and its output (CGI headers,
 * then the body) piped back. Serves every repository under `root` (GIT_HTTP_EXPORT_ALL), at
 * `http://127.0.0.1:PORT/<repo>`. Used by benchmarks to clone with plain `git clone`.
 */
import { spawn } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface GitHttpServer {
  readonly url: string
  close(): Promise<void>
}

export async function startGitHttpBackend(root: string): Promise<GitHttpServer> {
  const server = createServer((request, response) => {
    cgi(root, request, response).catch(error => {
      if (!response.headersSent) response.writeHead(500).end(String(error))
      else response.destroy()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function cgi(root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: request.method,
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: request.headers['content-type'] ?? '',
    REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
  }
  if (request.headers['content-length'] !== undefined) env.CONTENT_LENGTH = request.headers['content-length']
  if (request.headers['content-encoding'] !== undefined) env.HTTP_CONTENT_ENCODING = request.headers['content-encoding']
  if (request.headers['git-protocol'] !== undefined) env.GIT_PROTOCOL = String(request.headers['git-protocol'])
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'inherit'] })
  request.pipe(child.stdin)
  let head = Buffer.alloc(0)
  let headersDone = false
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      if (!response.write(chunk)) {
        child.stdout.pause()
        response.once('drain', () => child.stdout.resume())
      }
      return
    }
    head = Buffer.concat([head, chunk])
    const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n')
    if (end < 0) return
    const separator = head[end] === 0x0d ? 4 : 2
    let status = 200
    const headers: Record<string, string> = {}
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':')
      const name = line.slice(0, colon).trim()
      const value = line.slice(colon + 1).trim()
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10)
      else headers[name] = value
    }
    response.writeHead(status, headers)
    headersDone = true
    const rest = head.subarray(end + separator)
    if (rest.length > 0) response.write(rest)
  })
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', () => {
      if (!headersDone) response.writeHead(502).end('git http-backend wrote no headers')
      else response.end()
      resolve()
    })
  })
}
