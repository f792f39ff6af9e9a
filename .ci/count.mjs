// Prints "N passed, N failed" from vitest's JSON report. A run that failed before vitest could
// report (type errors, install failure) counts as one failure so CI never reads it as green.
import { existsSync, readFileSync } from 'node:fs'

const [file, status] = process.argv.slice(2)
let passed = 0
let failed = 0
if (existsSync(file)) {
  const report = JSON.parse(readFileSync(file, 'utf8'))
  passed = report.numPassedTests
  failed = report.numFailedTests
  // Suites that failed to load have no tests to count; count each as a failure.
  for (const suite of report.testResults ?? []) if (suite.status === 'failed' && suite.assertionResults.length === 0) failed++
}
if (Number(status) !== 0 && failed === 0) failed = 1
console.log(`${passed} passed, ${failed} failed`)
