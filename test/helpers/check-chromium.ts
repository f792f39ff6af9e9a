/**
 * `npm test`'s first step (`pretest`): the same check as the Chromium project's global setup, run
 * before the type check, so that a machine without a browser hears of it in seconds.
 */
import setup from './chromium-setup.js'

await setup()
