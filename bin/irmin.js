#!/usr/bin/env node
// The `irmin` command: the compiled CLI in dist/ (`npm install` and `npm run build` make it).
try {
  await import('../dist/cli/main.js')
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/main.js')) throw error
  console.error('irmin is not built: run `npm run build` (or `npm install`) in the irminsule package first')
  process.exitCode = 1
}
