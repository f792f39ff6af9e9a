/**
 * The comments page's service worker: it keeps the page and its script so that a reader can
 * reload the book while offline (the comments themselves live in IndexedDB, not here). Network
 * first, so a reader online always gets the current page; the cache answers only when the
 * network cannot. Only the page's own files: the sync API is never cached.
 */
import { COMMENTS_PATH, COMMENTS_SCRIPT } from './page.js'

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request
  respondWith(response: Promise<Response>): void
}
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void
  skipWaiting(): Promise<void>
  readonly clients: { claim(): Promise<void> }
}

const scope = self as unknown as WorkerScope
const CACHE = 'irmin-comments-v1'
const PAGE_FILES = [COMMENTS_PATH, COMMENTS_SCRIPT]

scope.addEventListener('install', event => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(cache => cache.addAll(PAGE_FILES))
      .then(() => scope.skipWaiting()),
  )
})

scope.addEventListener('activate', event => event.waitUntil(scope.clients.claim()))

scope.addEventListener('fetch', event => {
  const url = new URL(event.request.url)
  if (event.request.method !== 'GET' || url.origin !== location.origin) return
  if (url.pathname !== COMMENTS_PATH && url.pathname !== COMMENTS_SCRIPT) return
  event.respondWith(networkThenCache(event.request, url.pathname))
})

async function networkThenCache(request: Request, key: string): Promise<Response> {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(request)
    if (response.ok) await cache.put(key, response.clone())
    return response
  } catch (error) {
    const cached = await cache.match(key)
    if (cached) return cached
    throw error
  }
}

export {}
