/**
 * The right-hand column: the diff of two compared commits (when picked), then the open commit's
 * details and two tabs, its changes against its first parent (line diffs) and its files (the path
 * search, a directory, and the value open in it).
 */
import { api } from './api.js'
import type { ApiCommit, ApiDiff, ApiPaths, ApiTree, ApiValue } from './api-types.js'
import { commitView, follow } from './commit-view.js'
import { diffView } from './diff-view.js'
import { h } from './dom.js'
import { searchBox, searchResults } from './search-view.js'
import { treeView } from './tree-view.js'
import type { View } from './url-state.js'
import { sizeLabel, valueBlock } from './values.js'

/** What was read for the view; a part that failed holds its error instead. */
export interface Detail {
  commit: ApiCommit
  compared?: ApiDiff
  comparedError?: Error
  changes?: ApiDiff
  changesError?: Error
  found?: ApiPaths
  foundError?: Error
  tree?: ApiTree
  treeError?: Error
  value?: ApiValue
  valueError?: Error
}

export interface DetailViewOptions {
  labels: readonly string[]
  /** The href of the current view changed by `next`. */
  href(next: Partial<View>): string
  go(next: Partial<View>, replace?: boolean): void
}

const rawUrl = (commit: string, path: readonly string[]) => api.rawValueUrl(commit, path)

export function detailView(shown: View, detail: Detail, options: DetailViewOptions): HTMLElement {
  const link = (next: Partial<View>, label: string | Node, attributes: Record<string, string> = {}) =>
    h('a', { href: options.href(next), onclick: follow(() => options.go(next)), ...attributes }, label)
  const problem = (error: Error | undefined) => (error ? h('p', { class: 'error' }, error.message) : null)
  const commit = detail.commit
  const toCommit = (id: string): Partial<View> => ({ commit: id, path: [], file: false, q: undefined })
  return h(
    'div',
    {},
    shown.diff ? comparePanel(shown.diff, detail, link) : null,
    h(
      'div',
      { id: 'commit', class: 'panel' },
      h('h2', {}, 'Commit ', h('code', {}, commit.id.slice(0, 7))),
      commitView(commit, { labels: options.labels, href: id => options.href(toCommit(id)), onOpen: id => options.go(toCommit(id)) }),
    ),
    h(
      'nav',
      { class: 'tabs' },
      link({ tab: 'changes' }, 'Changes', { class: shown.tab === 'changes' ? 'tab selected' : 'tab', 'data-tab': 'changes' }),
      link({ tab: 'files' }, 'Files', { class: shown.tab === 'files' ? 'tab selected' : 'tab', 'data-tab': 'files' }),
    ),
    shown.tab === 'changes'
      ? h(
          'div',
          { id: 'changes', class: 'panel' },
          commit.parents.length > 1 ? h('p', { class: 'note merge' }, 'A merge: what it changed against its first parent, ', h('code', {}, commit.parents[0].slice(0, 7)), '.') : null,
          problem(detail.changesError),
          detail.changes ? diffView(detail.changes, { rawUrl }) : null,
        )
      : filesPanel(shown, detail, options, problem),
  )
}

function comparePanel(pair: readonly [string, string], detail: Detail, link: (next: Partial<View>, label: string, attributes?: Record<string, string>) => HTMLElement): HTMLElement {
  return h(
    'div',
    { id: 'diff', class: 'panel' },
    h('h2', {}, 'Diff ', h('code', {}, pair[0].slice(0, 7)), ' → ', h('code', {}, pair[1].slice(0, 7))),
    h('div', { class: 'actions' }, link({ diff: undefined }, 'clear', { class: 'clear' })),
    detail.comparedError ? h('p', { class: 'error' }, detail.comparedError.message) : null,
    detail.compared ? diffView(detail.compared, { rawUrl }) : null,
  )
}

let box: HTMLInputElement | undefined
let onQuery: (query: string) => void = () => {}

function filesPanel(shown: View, detail: Detail, options: DetailViewOptions, problem: (error: Error | undefined) => HTMLElement | null): HTMLElement {
  // One search box for the page's life: redrawing never takes the focus or the text from it.
  box ??= searchBox({ query: shown.q ?? '', onQuery: query => onQuery(query) })
  onQuery = query => options.go({ q: query || undefined }, true)
  if (document.activeElement !== box) box.value = shown.q ?? ''
  const open = (path: string[], file: boolean): Partial<View> => ({ path, file, q: undefined })
  const commit = detail.commit.id
  const directory = shown.file ? shown.path.slice(0, -1) : shown.path
  const parts: Array<HTMLElement | null> = []
  if (shown.q) {
    parts.push(h('div', { id: 'search', class: 'panel' }, problem(detail.foundError), detail.found ? searchResults(detail.found, { href: (p, f) => options.href(open(p, f)), onOpen: (p, f) => options.go(open(p, f)) }) : null))
  } else {
    parts.push(
      h(
        'div',
        { id: 'tree', class: 'panel' },
        problem(detail.treeError),
        detail.tree ? treeView(detail.tree, directory, { openFile: shown.file ? shown.path : undefined, href: (p, f) => options.href(open(p, f)), onOpen: (p, f) => options.go(open(p, f)) }) : null,
      ),
    )
    if (shown.file) parts.push(valuePanel(commit, shown.path, detail, problem))
  }
  return h('div', { id: 'files' }, h('div', { class: 'search' }, box), ...parts)
}

function valuePanel(commit: string, path: readonly string[], detail: Detail, problem: (error: Error | undefined) => HTMLElement | null): HTMLElement {
  const value = detail.value
  return h(
    'div',
    { id: 'value', class: 'panel' },
    problem(detail.valueError),
    value ? h('h3', {}, path.join('/'), ' ', h('span', { class: 'note' }, `(${sizeLabel(value)})`)) : null,
    value ? valueBlock(value, { path, url: rawUrl(commit, path) }) : null,
    value ? h('p', {}, h('a', { href: rawUrl(commit, path), download: path[path.length - 1] }, 'download')) : null,
  )
}
