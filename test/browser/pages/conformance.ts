/**
 * Page entry for the IndexedDB tests in Chromium. It runs the backend conformance suite against
 * IndexedDB inside the page (one fresh database per case) and exposes the browser entry and the
 * conformance entry, so that tests can drive backends in several tabs through `page.evaluate`.
 */
import * as conformance from '../../../backends/conformance.js'
import { type BackendFactory, conformanceCases } from '../../../backends/conformance.js'
import * as irminsule from '../../../index.browser.js'
import { type IndexedDbBackend, openIndexedDbBackend } from '../../../index.browser.js'

export interface CaseResult {
  name: string
  ok: boolean
  error?: string
  ms: number
}

export interface ConformancePage {
  irminsule: typeof irminsule
  conformance: typeof conformance
  runConformance(): Promise<CaseResult[]>
}

/** A hung case fails on its own instead of stalling every case after it. */
const CASE_TIMEOUT_MS = 30_000

/** Every `open` is a new, empty database; `reopen` closes a backend and opens its database again. */
function freshDatabases(prefix: string): BackendFactory {
  let opened = 0
  return {
    open: options => openIndexedDbBackend(`${prefix}-${++opened}`, options),
    reopen: async backend => {
      const { name } = backend as IndexedDbBackend
      await backend.close()
      return openIndexedDbBackend(name)
    },
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

async function runConformance(): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const [i, c] of conformanceCases().entries()) {
    const start = performance.now()
    try {
      await withTimeout(c.run(freshDatabases(`conformance-${i}`)), CASE_TIMEOUT_MS, c.name)
      results.push({ name: c.name, ok: true, ms: performance.now() - start })
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      results.push({ name: c.name, ok: false, error: message, ms: performance.now() - start })
    }
  }
  return results
}

const page: ConformancePage = { irminsule, conformance, runConformance }
Object.assign(globalThis, { conformancePage: page })
