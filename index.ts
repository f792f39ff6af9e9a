/** The package's Node entry: everything the browser entry has, with `node:crypto` hashing and requests to sync servers over `node:http`. */
import { setDefaultHasher } from './core/hash.js'
import { nodeHasher } from './node-hasher.js'
import { setHttpRequest } from './sync/client/transport.js'
import { nodeHttpRequest } from './sync/client/node-http.js'

setDefaultHasher(nodeHasher)
setHttpRequest(nodeHttpRequest)

export * from './index.browser.js'
export { nodeHasher } from './node-hasher.js'
export { LevelBackend, openLevelBackend, type LevelBackendOptions } from './backends/level.js'
export { GitBackend, openGitBackend, type GitBackendOptions } from './backends/git/index.js'
export { PostgresBackend, openPostgresBackend, type PostgresBackendOptions } from './backends/postgres/index.js'
export * from './backends/postgres/errors.js'
export * from './sync/server/index.js'
export * from './git-protocol/client/index.js'
/** The Xenstore daemon (`irmin xenstored`), its wire codec and a small client: Node only (Unix sockets). */
export * as xenstore from './xenstore/index.js'
export { startNfsServer, handlesBranch, registerWithRpcbind, type NfsServer, type NfsServerOptions } from './nfs-export/index.js'
