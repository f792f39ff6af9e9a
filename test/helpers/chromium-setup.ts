/**
 * Vitest global setup of the Chromium test project, and `npm test`'s `pretest`: finds (and, for
 * the npm-shipped browser, unpacks) Chromium once, before any worker starts, so that a machine
 * without one stops in seconds with one line naming what to install instead of failing test
 * files minutes later.
 */
import { findChromium } from '../../tools/find-chromium.js'

export default async function setup(): Promise<void> {
  try {
    await findChromium()
  } catch (error) {
    // Exits rather than throws: vitest would bury the line under "No test files found" and a
    // stack trace. No worker has started yet, so there is nothing to clean up.
    console.error(`\n${(error as Error).message}\n`)
    process.exit(1)
  }
}
