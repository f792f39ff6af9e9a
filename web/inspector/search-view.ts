/**
 * The path search over the open commit: a box, and the paths that hold every word typed
 * (directories end in `/`), each a link that opens it. Typing waits for a pause before asking.
 */
import type { ApiPaths } from './api-types.js'
import { follow } from './commit-view.js'
import { h } from './dom.js'

const PAUSE_MS = 200

export interface SearchViewOptions {
  query: string
  onQuery(query: string): void
}

/** The search box; kept across redraws so typing is never interrupted. */
export function searchBox(options: SearchViewOptions): HTMLInputElement {
  let timer: ReturnType<typeof setTimeout> | undefined
  const input = h('input', { type: 'search', class: 'path-search', placeholder: 'Find a path…', 'aria-label': 'find a path in this commit', value: options.query })
  input.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(() => options.onQuery(input.value.trim()), PAUSE_MS)
  })
  input.addEventListener('keydown', event => {
    if (event.key !== 'Enter') return
    clearTimeout(timer)
    options.onQuery(input.value.trim())
  })
  return input
}

export interface SearchResultsOptions {
  href(path: string[], file: boolean): string
  onOpen(path: string[], file: boolean): void
}

export function searchResults(found: ApiPaths, options: SearchResultsOptions): HTMLElement {
  if (found.paths.length === 0) return h('p', { class: 'note search-results' }, `No path contains “${found.query}”.`)
  const items = found.paths.map(({ path, kind }) => {
    const steps = path.split('/')
    const file = kind !== 'dir'
    return h(
      'li',
      { 'data-path': path, class: kind },
      h('a', { href: options.href(steps, file), onclick: follow(() => options.onOpen(steps, file)) }, file ? path : `${path}/`),
    )
  })
  const count = `${found.paths.length}${found.truncated ? '+' : ''} path${found.paths.length === 1 ? '' : 's'} holding “${found.query}”`
  return h(
    'div',
    { class: 'search-results' },
    h('p', { class: 'note count' }, count),
    h('ul', {}, ...items),
    found.truncated ? h('p', { class: 'note truncated' }, `Only the first ${found.paths.length} matches are shown.`) : null,
  )
}
