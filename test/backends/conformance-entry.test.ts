/**
 * The conformance suite is published as its own entry, `irminsule/conformance`, for authors of
 * third-party backends: resolved the way a dependent package resolves it (through the package's
 * `exports`), the built entry holds the same cases as the source and runs them on a backend.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import * as source from '../../backends/conformance.js'
import { openMemoryBackend } from '../../index.js'
import { ensureBuilt, PACKAGE_ROOT } from '../helpers/irmin-cli.js'

let built: typeof source

beforeAll(async () => {
  await ensureBuilt()
  const resolved = createRequire(join(PACKAGE_ROOT, 'package.json')).resolve('irminsule/conformance')
  expect(resolved).toBe(join(PACKAGE_ROOT, 'dist/backends/conformance.js'))
  built = (await import(pathToFileURL(resolved).href)) as typeof source
})

describe('the irminsule/conformance entry', () => {
  it('resolves to the built suite, with its type declarations beside it', () => {
    expect(existsSync(join(PACKAGE_ROOT, 'dist/backends/conformance.d.ts'))).toBe(true)
    expect(built.conformanceCases().map(c => c.name)).toEqual(source.conformanceCases().map(c => c.name))
  })

  it('runs its cases against a backend', async () => {
    for (const c of built.conformanceCases()) await c.run({ open: async options => openMemoryBackend(options) })
  })
})
