/** Registers the backend conformance suite with vitest for one backend. */
import { describe, it } from 'vitest'
import { conformanceCases, type BackendFactory } from '../../backends/conformance.js'

export function runConformance(name: string, factory: BackendFactory): void {
  describe(`${name} backend conformance`, () => {
    for (const c of conformanceCases()) it(c.name, () => c.run(factory))
  })
}
