/**
 * The Xenstore daemon on the store (Node only: it listens on Unix sockets). See README's
 * "Xenstore daemon" and DESIGN.md's "Xenstore view".
 */
export { XS, TYPE_NAMES, HEADER_SIZE, PAYLOAD_MAX, encodeMessage, strings, splitStrings, latin1Bytes, FrameReader, type Message } from './wire.js'
export { XenstoreError, XenstoreProtocolError, ERRNO_NAMES, type ErrnoName } from './errors.js'
export { XenstoreDaemon, DEFAULT_QUOTAS, type Quotas, type DaemonOptions } from './daemon.js'
export { XenstoreServer, type ServerOptions } from './server.js'
export { WriteBehindBackend } from './write-behind.js'
export { canonicalize, type XsPath } from './paths.js'
export { XsClient, type Reply } from './client.js'
export { SocketInUseError } from './errors.js'
