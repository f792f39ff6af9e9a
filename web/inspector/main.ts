/**
 * The inspector page of `irmin serve`: branches on the left, the history with its commit graph in
 * the middle, and on the right the tree of the open commit (with the value of the open file) and
 * the diff of the two commits picked for comparison. State lives here; each panel is redrawn from
 * it when it changes. Sets `document.body.dataset.ready` once the first view is drawn.
 */
import { api } from './api.js'
import type { ApiBranch, ApiCommit, ApiDiff, ApiTree, ApiValue } from './api-types.js'
import { branchesView } from './branches-view.js'
import { diffView } from './diff-view.js'
import { h, show } from './dom.js'
import { historyView } from './history-view.js'
import { STYLE } from './style.js'
import { treeView } from './tree-view.js'
import { sizeLabel, valueBlock } from './values.js'

interface State {
  branches: ApiBranch[]
  /** The branch whose history is shown; undefined: every branch. */
  branch: string | undefined
  commits: ApiCommit[]
  next: string | null
  /** The commit whose tree is open, the directory shown, and its listing. */
  open: { commit: string; path: string[]; tree: ApiTree | undefined } | undefined
  value: { path: string[]; value: ApiValue } | undefined
  compared: string[]
  diff: ApiDiff | undefined
}

const state: State = { branches: [], branch: undefined, commits: [], next: null, open: undefined, value: undefined, compared: [], diff: undefined }

const panels = {
  store: h('span', { class: 'store' }),
  branches: h('div', { id: 'branches' }),
  history: h('div', { id: 'history' }),
  diff: h('div', { id: 'diff', class: 'panel' }),
  tree: h('div', { id: 'tree', class: 'panel' }),
  value: h('div', { id: 'value', class: 'panel' }),
}

function layout(): void {
  document.head.append(h('style', {}, STYLE))
  show(
    document.getElementById('app') ?? document.body,
    h('header', {}, h('h1', {}, 'irminsule inspector'), panels.store),
    h(
      'main',
      {},
      h('section', {}, h('h2', {}, 'Branches'), panels.branches),
      h('section', {}, h('h2', {}, 'History'), panels.history),
      h('section', {}, panels.diff, panels.tree, panels.value),
    ),
  )
}

/** Runs `task`, showing its failure in `panel` instead of losing it. */
async function guarded(panel: HTMLElement, task: () => Promise<void>): Promise<void> {
  try {
    await task()
  } catch (error) {
    show(panel, h('p', { class: 'error' }, (error as Error).message))
  }
}

function drawBranches(): void {
  show(panels.branches, branchesView(state.branches, state.branch, branch => void selectBranch(branch)))
}

function drawHistory(): void {
  const labels = new Map<string, string[]>()
  for (const b of state.branches) labels.set(b.head, [...(labels.get(b.head) ?? []), b.name])
  show(
    panels.history,
    historyView(state.commits, {
      labels,
      selected: state.open?.commit,
      compared: state.compared,
      onOpen: id => void openCommit(id),
      onCompare: (id, checked) => void compare(id, checked),
    }),
    state.next ? h('button', { type: 'button', class: 'more', onclick: () => void loadHistory(true) }, 'Load more') : null,
  )
}

function drawTree(): void {
  const open = state.open
  if (!open?.tree) return show(panels.tree)
  const commit = state.commits.find(c => c.id === open.commit)
  show(
    panels.tree,
    h('h2', {}, 'Tree of ', h('code', {}, open.commit.slice(0, 7))),
    commit ? h('p', { class: 'commit-info' }, `${commit.message.split('\n', 1)[0]} — ${commit.author.replace(/\s*<.*>$/, '')}`) : null,
    treeView(open.tree, open.path, {
      openFile: state.value?.path,
      onDirectory: path => void openDirectory(path),
      onFile: path => void openFile(path),
    }),
  )
}

function drawValue(): void {
  const shown = state.value
  if (!shown || !state.open) return show(panels.value)
  show(
    panels.value,
    h('h3', {}, shown.path.join('/'), ' ', h('span', { class: 'note' }, `(${sizeLabel(shown.value)})`)),
    valueBlock(shown.value),
    h('p', {}, h('a', { href: api.rawValueUrl(state.open.commit, shown.path), download: shown.path[shown.path.length - 1] }, 'download')),
  )
}

function drawDiff(): void {
  if (state.compared.length === 0) return show(panels.diff)
  const clear = h('button', { type: 'button', onclick: () => void compare(undefined, false) }, 'clear')
  if (!state.diff) return show(panels.diff, h('h2', {}, 'Compare'), h('p', { class: 'note' }, 'Pick a second commit to compare.'), h('div', { class: 'actions' }, clear))
  show(
    panels.diff,
    h('h2', {}, 'Diff ', h('code', {}, state.diff.a.slice(0, 7)), ' → ', h('code', {}, state.diff.b.slice(0, 7))),
    h('div', { class: 'actions' }, clear),
    diffView(state.diff),
  )
}

async function loadHistory(append: boolean): Promise<void> {
  await guarded(panels.history, async () => {
    const page = await api.history(state.branch, append ? (state.next ?? undefined) : undefined)
    state.commits = append ? [...state.commits, ...page.commits] : page.commits
    state.next = page.next
    drawHistory()
  })
}

async function selectBranch(branch: string | undefined): Promise<void> {
  state.branch = branch
  drawBranches()
  await loadHistory(false)
  const head = state.branches.find(b => b.name === branch)?.head
  if (head) await openCommit(head)
}

async function openCommit(id: string): Promise<void> {
  state.open = { commit: id, path: [], tree: undefined }
  state.value = undefined
  drawHistory()
  drawValue()
  await openDirectory([])
}

async function openDirectory(path: string[]): Promise<void> {
  const open = state.open
  if (!open) return
  await guarded(panels.tree, async () => {
    const tree = await api.tree(open.commit, path)
    state.open = { commit: open.commit, path, tree }
    drawTree()
  })
}

async function openFile(path: string[]): Promise<void> {
  const open = state.open
  if (!open) return
  await guarded(panels.value, async () => {
    state.value = { path, value: await api.value(open.commit, path) }
    drawTree()
    drawValue()
  })
}

/** Adds or drops a commit from the two to compare (undefined: drop all); diffs older → newer. */
async function compare(id: string | undefined, checked: boolean): Promise<void> {
  if (id === undefined) state.compared = []
  else if (checked) state.compared = [...state.compared.filter(c => c !== id), id].slice(-2)
  else state.compared = state.compared.filter(c => c !== id)
  state.diff = undefined
  drawHistory()
  drawDiff()
  if (state.compared.length !== 2) return
  const position = (commit: string) => state.commits.findIndex(c => c.id === commit)
  const [newer, older] = [...state.compared].sort((a, b) => position(a) - position(b))
  await guarded(panels.diff, async () => {
    state.diff = await api.diff(older, newer)
    drawDiff()
  })
}

async function start(): Promise<void> {
  layout()
  await guarded(panels.branches, async () => {
    const [info, { branches }] = await Promise.all([api.info(), api.branches()])
    panels.store.textContent = info.name === null ? 'memory store' : `${info.name} (${info.backend})`
    state.branches = branches
    drawBranches()
  })
  await loadHistory(false)
  const first = state.branches.find(b => b.name === 'main') ?? state.branches[0]
  if (first) await openCommit(first.head)
  document.body.dataset.ready = 'true'
}

void start()
