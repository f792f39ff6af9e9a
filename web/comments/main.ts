/**
 * The offline-first comments page: the book on screen, the reader's comments in IndexedDB at
 * once, and the server reached only by the sync loop (syncer.ts) when it can be. Every tab of a
 * browser opens the same IndexedDB store; a change in one tab reaches the others through the
 * store's watch (the IndexedDB backend announces ref moves on a BroadcastChannel).
 */
import { openIndexedDbBackend, openMemoryBackend } from '../../backends/index.js'
import { type Backend, Contents, Repo } from '../../core/index.js'
import { lazyBackend } from '../../sync/index.js'
import { findChapter } from './book.js'
import { CommentStore, COMMENTS_BRANCH } from './comment-store.js'
import { COMMENTS_PATH, COMMENTS_WORKER } from './page.js'
import { remotePort } from './remote-port.js'
import { Syncer } from './syncer.js'
import { nameProblem, type ThreadEntry } from './thread.js'
import { BookView } from './view.js'

const DATABASE = 'irmin-comments'
const NAME_KEY = 'irmin-comments-reader'

async function openLocal(): Promise<{ backend: Backend; persistent: boolean }> {
  try {
    return { backend: await openIndexedDbBackend(DATABASE), persistent: true }
  } catch {
    // Private windows of some browsers refuse IndexedDB: the page still works, for this visit.
    return { backend: openMemoryBackend(), persistent: false }
  }
}

async function start(): Promise<void> {
  const root = document.getElementById('book')!
  const local = await openLocal()
  const repo = await Repo.open({ backend: lazyBackend(local.backend), contents: Contents.log<ThreadEntry>(), author: 'reader <reader@comments>' })
  const comments = new CommentStore(repo)
  const chapter = findChapter(new URLSearchParams(location.search).get('chapter') ?? undefined)
  let name = localStorage.getItem(NAME_KEY) ?? undefined

  let syncer: Syncer | undefined
  const view = new BookView(
    root,
    chapter,
    {
      add: async (paragraph, text) => {
        await comments.add(chapter.id, paragraph, name!, text)
        await syncer?.changed()
      },
      edit: async (paragraph, comment, text) => {
        await comments.edit(chapter.id, paragraph, name!, comment, text)
        await syncer?.changed()
      },
      remove: async (paragraph, comment) => {
        await comments.remove(chapter.id, paragraph, name!, comment)
        await syncer?.changed()
      },
      rename: value => {
        const problem = nameProblem(value)
        if (problem) return problem
        name = value.trim()
        localStorage.setItem(NAME_KEY, name)
        return undefined
      },
    },
    name,
  )

  // Redraws are serialized and coalesced: a burst of changes draws once after the last.
  let drawing: Promise<void> | undefined
  let redrawAgain = false
  const redraw = (): void => {
    if (drawing) {
      redrawAgain = true
      return
    }
    drawing = (async () => {
      do {
        redrawAgain = false
        view.showThreads(await comments.chapterThreads(chapter.id))
      } while (redrawAgain)
    })()
      .catch(error => console.warn('comments: cannot draw the threads', error))
      .finally(() => {
        drawing = undefined
        document.body.dataset.ready = 'true'
      })
  }
  repo.branch(COMMENTS_BRANCH).watch(() => redraw())
  redraw()

  const port = await remotePort(repo, location.origin)
  syncer = new Syncer(port, state => view.showBadge({ ...state, problem: local.persistent ? state.problem : 'this browser keeps no IndexedDB here: comments live until the page closes' }), navigator.onLine)
  addEventListener('online', () => syncer?.setOnline(true))
  addEventListener('offline', () => syncer?.setOnline(false))
  listenForServerMoves(() => void syncer?.sync())
  void syncer.sync()

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register(COMMENTS_WORKER, { scope: COMMENTS_PATH }).catch(error => console.warn('comments: no offline reload', error))
  }
}

/** Without live updates (no EventSource, or a server that refuses them), a sync this often. */
const POLL_MS = 10_000

/**
 * The server's live updates: a push by another reader moves its branch, and this page syncs.
 * EventSource reconnects by itself after a network error; its `refs` event on every
 * (re)connection is a chance to catch up. A server that refuses the stream is polled instead.
 */
function listenForServerMoves(onMove: () => void): void {
  const poll = () => setInterval(() => navigator.onLine && onMove(), POLL_MS)
  if (typeof EventSource !== 'function') return void poll()
  const events = new EventSource(`/sync/v1/events?prefix=${encodeURIComponent(`refs/heads/${COMMENTS_BRANCH}`)}`)
  events.addEventListener('ref', onMove)
  events.addEventListener('refs', onMove)
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) poll()
  })
}

void start().catch(error => {
  const root = document.getElementById('book')
  if (root) root.textContent = `The book could not open: ${error instanceof Error ? error.message : String(error)}`
  document.body.dataset.ready = 'true'
})
