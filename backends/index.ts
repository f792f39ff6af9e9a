/** Backends that run anywhere (Node and browsers), the contract, and its conformance suite. */
export { MemoryBackend, openMemoryBackend } from './memory.js'
export { DEFAULT_MAX_OBJECT_SIZE, type BackendLimits } from './contract.js'
export { conformanceCases, blobObject, type BackendFactory, type ConformanceCase, ConformanceFailure } from './conformance.js'
export { openIndexedDbBackend, IndexedDbBackend } from './indexeddb.js'
