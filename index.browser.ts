/** The package's browser entry: the core and the backends that run in a browser. */
export * from './core/index.js'
export * from './backends/index.js'
export * from './sync/index.js'
