#!/usr/bin/env node
// The `irmin` command: the compiled CLI in dist/ (`npm install` and `npm run build` make it), as
// one bundled file: loading it is a third of the time of loading the ~230 modules it is made of.
try {
  await import('../dist/cli/irmin.js')
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/irmin.js')) throw error
  console.error('irmin is not built: run `npm run build` (or `npm install`) in the irminsule package first')
  process.exitCode = 1
}
