/**
 * The browser entry bundles for browsers: esbuild (platform browser) finds no `node:` module and
 * no Node built-in anywhere in what `index.browser.ts` imports, and the bundle carries the core,
 * the memory backend and the IndexedDB backend. Built-ins are marked external so that an
 * offending import shows up in the bundle, with its importer, instead of as a resolve error.
 */
import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { type Bundle, bundleForBrowser } from '../../tools/browser.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BUILTINS = [...new Set(builtinModules.map(name => name.replace(/^node:/, '')))]

function isNodeBuiltin(path: string): boolean {
  return path.startsWith('node:') || BUILTINS.includes(path) || BUILTINS.includes(path.split('/')[0])
}

function bundle(entry: string): Promise<Bundle> {
  return bundleForBrowser(`${ROOT}${entry}`, { absWorkingDir: ROOT, external: ['node:*', ...BUILTINS] })
}

/** `importer → module` for every import of a Node built-in the metafile records. */
function builtinImports({ metafile }: Bundle): string[] {
  return Object.entries(metafile.inputs).flatMap(([file, input]) => input.imports.filter(i => isNodeBuiltin(i.path)).map(i => `${file} → ${i.path}`))
}

/** Module specifiers in the output's static imports, dynamic imports and requires. */
function importedSpecifiers(code: string): string[] {
  const patterns = [/\bfrom\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g, /^\s*import\s*["']([^"']+)["']/gm]
  return patterns.flatMap(pattern => [...code.matchAll(pattern)].map(match => match[1]))
}

describe('the browser entry bundles for browsers', () => {
  let browserBundle: Bundle
  beforeAll(async () => {
    browserBundle = await bundle('index.browser.ts')
  })

  it('imports no node: module and no Node built-in (metafile)', () => {
    expect(builtinImports(browserBundle)).toEqual([])
  })

  it('imports no node: module and no Node built-in (output text)', () => {
    const code = browserBundle.code
    expect(importedSpecifiers(code).filter(isNodeBuiltin)).toEqual([])
    expect(code).not.toMatch(/["']node:[a-z_/]+["']/)
  })

  it('is self-contained: the output imports nothing at all', () => {
    expect(importedSpecifiers(browserBundle.code)).toEqual([])
  })

  it('includes the core, the memory backend and the IndexedDB backend (with idb-keyval)', () => {
    const inputs = Object.keys(browserBundle.metafile.inputs)
    for (const file of ['core/index.ts', 'core/repo.ts', 'core/hash.ts', 'backends/memory.ts', 'backends/indexeddb.ts']) expect(inputs).toContain(file)
    expect(inputs.some(file => file.includes('node_modules/idb-keyval/'))).toBe(true)
    const [output] = Object.values(browserBundle.metafile.outputs)
    expect(output.exports).toEqual(expect.arrayContaining(['Repo', 'Contents', 'openMemoryBackend', 'MemoryBackend', 'openIndexedDbBackend', 'IndexedDbBackend', 'IndexedDbUnavailableError']))
    for (const file of ['core/repo.ts', 'backends/memory.ts', 'backends/indexeddb.ts']) expect(output.inputs[file]?.bytesInOutput, file).toBeGreaterThan(0)
  })

  it('leaves the conformance suite out of the browser and Node entries: it is the irminsule/conformance entry', async () => {
    for (const entry of [browserBundle, await bundle('index.ts')]) {
      expect(Object.keys(entry.metafile.inputs)).not.toContain('backends/conformance.ts')
      const [output] = Object.values(entry.metafile.outputs)
      for (const name of ['conformanceCases', 'blobObject', 'ConformanceFailure']) expect(output.exports).not.toContain(name)
    }
  })

  it('the conformance entry bundles for browsers too: no Node built-in, nothing imported, the suite exported', async () => {
    const conformance = await bundle('backends/conformance.ts')
    expect(builtinImports(conformance)).toEqual([])
    expect(importedSpecifiers(conformance.code)).toEqual([])
    const [output] = Object.values(conformance.metafile.outputs)
    expect(output.exports).toEqual(expect.arrayContaining(['conformanceCases', 'blobObject', 'ConformanceFailure']))
  })

  it('would catch a Node built-in: the Node entry, bundled the same way, is caught importing node:crypto', async () => {
    const nodeBundle = await bundle('index.ts')
    expect(builtinImports(nodeBundle)).toContain('node-hasher.ts → node:crypto')
    expect(importedSpecifiers(nodeBundle.code).filter(isNodeBuiltin)).toContain('node:crypto')
  })
})
