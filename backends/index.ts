/**
 * Backends that run anywhere (Node and browsers) and the contract's limits. The conformance
 * suite is not here: it is the package's `irminsule/conformance` entry, for backend authors.
 */
export { MemoryBackend, openMemoryBackend } from './memory.js'
export { DEFAULT_MAX_OBJECT_SIZE, type BackendLimits } from './contract.js'
export { openIndexedDbBackend, IndexedDbBackend } from './indexeddb.js'
