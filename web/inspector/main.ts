/**
 * The inspector page of `irmin serve`: branches on the left, the history with its commit graph in
 * the middle, and on the right the open commit (its details, then its changes or its files, with
 * a path search) and the diff of two commits picked for comparison. What is shown lives in the URL
 * (url-state.ts): every click is a navigation, so reload, links, back and forward work. Branch
 * moves arrive live (live.ts) and redraw what they change. Sets `document.body.dataset.ready`
 * once the first view is drawn, and `dataset.heads` (the branch heads shown) after each refresh.
 */
import { api } from './api.js'
import type { ApiBranch, ApiCommit } from './api-types.js'
import { branchesView } from './branches-view.js'
import { cached } from './cache.js'
import { detailView, type Detail } from './detail-view.js'
import { h, show } from './dom.js'
import { historyView } from './history-view.js'
import { watchBranches } from './live.js'
import { STYLE } from './style.js'
import { formatView, parseView, sameView, type View } from './url-state.js'

const HISTORY_PAGE = 100
const HISTORY_MAX = 1000

const loaded = {
  branches: [] as ApiBranch[],
  /** The branch whose history is loaded (undefined: every branch), once one is. */
  historyOf: null as { branch: string | undefined } | null,
  commits: [] as ApiCommit[],
  next: null as string | null,
  /** A commit picked for comparison while a second one is not. */
  picked: undefined as string | undefined,
}

const panels = {
  store: h('span', { class: 'store' }),
  live: h('span', { class: 'live', title: 'branch moves appear here as they happen' }),
  branches: h('div', { id: 'branches' }),
  history: h('div', { id: 'history' }),
  detail: h('div', { id: 'detail' }),
}

function layout(): void {
  document.head.append(h('style', {}, STYLE))
  show(
    document.getElementById('app') ?? document.body,
    h('header', {}, h('h1', {}, 'irminsule inspector'), panels.store, panels.live),
    h(
      'main',
      {},
      h('section', { class: 'branches-column' }, h('h2', {}, 'Branches'), panels.branches),
      h('section', { class: 'history-column' }, h('h2', {}, 'History'), panels.history),
      h('section', { class: 'detail-column' }, panels.detail),
    ),
  )
}

const view = (): View => parseView(location.search)
const href = (next: View) => formatView(next) || location.pathname

/** Shows `next`, as a new entry of the browser's history (or in place of the current one). */
function go(next: View, replace = false): void {
  if (!sameView(next, view())) history[replace ? 'replaceState' : 'pushState'](null, '', href(next))
  void render()
}

function errorNote(error: unknown): HTMLElement {
  return h('p', { class: 'error' }, (error as Error).message)
}

async function loadBranches(): Promise<void> {
  loaded.branches = (await api.branches()).branches
  document.body.dataset.heads = loaded.branches.map(b => `${b.name}=${b.head}`).join(' ')
}

/** The first page of history (or as many commits as are shown, up to a cap, when refreshing). */
async function loadHistory(branch: string | undefined, refresh = false): Promise<void> {
  const limit = refresh ? Math.min(HISTORY_MAX, Math.max(HISTORY_PAGE, loaded.commits.length)) : HISTORY_PAGE
  const page = await api.history(branch, undefined, limit)
  loaded.historyOf = { branch }
  loaded.commits = page.commits
  loaded.next = page.next
}

async function loadMore(): Promise<void> {
  const branch = loaded.historyOf?.branch
  const page = await api.history(branch, loaded.next ?? undefined)
  loaded.commits = [...loaded.commits, ...page.commits]
  loaded.next = page.next
  drawHistory(view())
}

/**
 * The commit the view opens: the one it names (a full id, a branch or a prefix of a commit shown,
 * as the API takes it), else the head of its branch (or main, or any).
 */
function openCommit(shown: View): string | undefined {
  if (shown.commit !== undefined) return resolve(shown.commit)
  const branch = shown.branch ?? 'main'
  return (loaded.branches.find(b => b.name === branch) ?? loaded.branches[0])?.head
}

/**
 * A branch as its head, a prefix (4 hex digits or more, as the API takes one) of a single commit
 * shown as its id; anything else is left to the API to resolve or refuse.
 */
function resolve(named: string): string {
  const head = loaded.branches.find(b => b.name === named)?.head
  if (head !== undefined) return head
  const matches = /^[0-9a-f]{4,40}$/.test(named) ? loaded.commits.filter(c => c.id.startsWith(named)) : []
  return matches.length === 1 ? matches[0].id : named
}

function labels(): Map<string, string[]> {
  const byHead = new Map<string, string[]>()
  for (const b of loaded.branches) byHead.set(b.head, [...(byHead.get(b.head) ?? []), b.name])
  return byHead
}

function drawBranches(shown: View): void {
  show(
    panels.branches,
    branchesView(loaded.branches, {
      selected: shown.branch,
      href: branch => href({ tab: shown.tab, path: [], file: false, ...(branch === undefined ? {} : { branch }) }),
      onSelect: branch => go({ tab: shown.tab, path: [], file: false, ...(branch === undefined ? {} : { branch }) }),
    }),
  )
}

function drawHistory(shown: View): void {
  const toCommit = (id: string): View => ({ ...shown, commit: id, path: [], file: false, q: undefined })
  show(
    panels.history,
    historyView(loaded.commits, {
      labels: labels(),
      selected: openCommit(shown),
      compared: shown.diff ?? (loaded.picked ? [loaded.picked] : []),
      href: id => href(toCommit(id)),
      onOpen: id => go(toCommit(id)),
      onCompare: (id, checked) => compare(shown, id, checked),
    }),
    loaded.next ? h('button', { type: 'button', class: 'more', onclick: () => void loadMore().catch(e => panels.history.append(errorNote(e))) }, 'Load more') : null,
  )
}

/** Picks or drops a commit to compare; with two picked, the diff goes into the URL, older first. */
function compare(shown: View, id: string, checked: boolean): void {
  const picked = [...(shown.diff ?? []), ...(loaded.picked ? [loaded.picked] : [])].filter(c => c !== id)
  const now = checked ? [...picked, id].slice(-2) : picked
  const position = (commit: string) => loaded.commits.findIndex(c => c.id === commit)
  if (now.length < 2) {
    loaded.picked = now[0]
    go({ ...shown, diff: undefined })
    return
  }
  loaded.picked = undefined
  const [newer, older] = [...now].sort((a, b) => position(a) - position(b))
  go({ ...shown, diff: [older, newer] })
}

/** What the detail column shows for `shown`, read from the server (or the cache). */
async function loadDetail(shown: View, id: string): Promise<Detail> {
  const detail: Detail = { commit: await cached(`commit ${id}`, () => api.commit(id)) }
  const tasks: Array<Promise<void>> = []
  const attempt = (task: () => Promise<void>, onError: (error: Error) => void) =>
    tasks.push(task().catch(error => onError(error as Error)))
  if (shown.diff) {
    // Resolved first: answers are kept by commit id, and a branch named in the URL moves.
    const [a, b] = shown.diff.map(resolve)
    attempt(async () => void (detail.compared = await cached(`diff ${a} ${b}`, () => api.diff(a, b))), e => (detail.comparedError = e))
  }
  if (shown.tab === 'changes') {
    attempt(async () => void (detail.changes = await cached(`changes ${id}`, () => api.changes(id))), e => (detail.changesError = e))
  } else if (shown.q) {
    const q = shown.q
    attempt(async () => void (detail.found = await cached(`paths ${id} ${q}`, () => api.paths(id, q))), e => (detail.foundError = e))
  } else {
    const directory = shown.file ? shown.path.slice(0, -1) : shown.path
    const key = directory.join('/')
    attempt(async () => void (detail.tree = await cached(`tree ${id} ${key}`, () => api.tree(id, directory))), e => (detail.treeError = e))
    if (shown.file) {
      const file = shown.path
      attempt(async () => void (detail.value = await cached(`value ${id} ${file.join('/')}`, () => api.value(id, file))), e => (detail.valueError = e))
    }
  }
  await Promise.all(tasks)
  return detail
}

let drawing = 0

/** Reads what the URL's view needs and draws it; a newer navigation supersedes an older one. */
async function render(refresh = false): Promise<void> {
  const ticket = ++drawing
  const shown = view()
  try {
    if (refresh || loaded.historyOf === null || loaded.historyOf.branch !== shown.branch) await loadHistory(shown.branch, refresh)
    if (ticket !== drawing) return
    drawBranches(shown)
    drawHistory(shown)
    const id = openCommit(shown)
    if (id === undefined) return show(panels.detail, h('p', { class: 'note' }, 'This store has no commits yet.'))
    const detail = await loadDetail(shown, id)
    if (ticket !== drawing) return
    const toView = (next: Partial<View>) => ({ ...shown, ...next })
    show(
      panels.detail,
      detailView(shown, detail, {
        labels: labels().get(detail.commit.id) ?? [],
        href: next => href(toView(next)),
        go: (next, replace) => go(toView(next), replace),
      }),
    )
  } catch (error) {
    if (ticket === drawing) show(panels.detail, errorNote(error))
  }
}

/** A branch moved: read the branches and the history again, and redraw. */
async function refresh(): Promise<void> {
  try {
    await loadBranches()
    panels.live.textContent = `updated ${new Date().toLocaleTimeString()}`
  } catch (error) {
    panels.live.textContent = `cannot refresh: ${(error as Error).message}`
    return
  }
  await render(true)
}

async function start(): Promise<void> {
  layout()
  try {
    const [info] = await Promise.all([api.info(), loadBranches()])
    panels.store.textContent = info.name === null ? 'memory store' : `${info.name} (${info.backend})`
  } catch (error) {
    show(panels.branches, errorNote(error))
  }
  window.addEventListener('popstate', () => void render())
  await render()
  watchBranches(() => void refresh(), () => loaded.branches)
  document.body.dataset.ready = 'true'
}

void start()
