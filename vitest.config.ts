import { configDefaults, defineConfig } from 'vitest/config'

/** Tests that drive real headless Chromium: they run only once a Chromium has been found. */
const CHROMIUM_TESTS = ['test/browser/**/*.test.ts', 'test/cli/inspector.test.ts', 'test/cli/inspector-live.test.ts']

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: two workers. Suites that spawn git or other processes stay fast enough.
    maxWorkers: 2,
    // The JSON report is what .ci/run counts passes and failures from.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      { extends: true, test: { name: 'node', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...CHROMIUM_TESTS] } },
      // Its global setup runs only when one of its files is selected, and finds Chromium first.
      { extends: true, test: { name: 'chromium', include: CHROMIUM_TESTS, globalSetup: ['test/helpers/chromium-setup.ts'] } },
    ],
  },
})
