/**
 * DNS rebinding guard: a web page on any site can make a browser send requests to a name that
 * the attacker points at 127.0.0.1, and read the answers as same-origin. Such requests carry the
 * attacker's name in `Host`, so the server answers only requests addressed to its own names:
 * the loopback names and the address it listens on, with its port.
 */
import { HttpError } from './http-error.js'

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]']

/** Whether `host` (as given to --host) is a loopback address, served to this machine alone. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** The `Host` header values the server answers: each of its names with its port. */
export function allowedHosts(listenHost: string, port: number): Set<string> {
  const own = listenHost.includes(':') ? `[${listenHost}]` : listenHost
  const names = [...new Set([...LOOPBACK_NAMES, own.toLowerCase()])]
  return new Set(names.flatMap(name => (port === 80 ? [`${name}:80`, name] : [`${name}:${port}`])))
}

export function checkHost(header: string | undefined, allowed: ReadonlySet<string>): void {
  if (header === undefined) throw new HttpError(400, 'ENOHOST', 'the request has no Host header')
  if (!allowed.has(header.toLowerCase())) {
    throw new HttpError(421, 'EFOREIGNHOST', `this server does not answer for host "${header}" (it answers ${[...allowed].join(', ')})`)
  }
}
