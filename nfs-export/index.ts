/** The NFS export: NFSv3 and MOUNT v3 over ONC RPC, serving a branch (Node only). */
export { startNfsServer, handlesBranch, type NfsServer, type NfsServerOptions } from './server.js'
export { registerWithRpcbind } from './portmap.js'
export * from './errors.js'
