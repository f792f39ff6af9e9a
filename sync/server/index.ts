/** The sync server (Node only): the route table and the context its handlers share. */
export { createSyncContext, type Handler, type SyncServerContext, type SyncTokens } from './context.js'
export { ROUTES, WRITE_ROUTES, SYNC_PREFIX, handleSync } from './routes.js'
export { DEFAULT_LIMITS, type SyncLimits } from './limits.js'
