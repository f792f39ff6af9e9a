/** Page entry for the sync tests in Chromium: the browser entry, for `page.evaluate` to drive. */
import * as irminsule from '../../../index.browser.js'

export interface SyncPage {
  irminsule: typeof irminsule
}

;(globalThis as unknown as { syncPage: SyncPage }).syncPage = { irminsule }
