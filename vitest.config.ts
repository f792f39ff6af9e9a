import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: two workers. Suites that spawn git or other processes stay fast enough.
    maxWorkers: 2,
    // The JSON report is what .ci/run counts passes and failures from.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
})
