/** The changes between two commits: each path added, removed or updated, with both values. */
import type { ApiDiff } from './api-types.js'
import { h } from './dom.js'
import { valueBlock } from './values.js'

const MARK = { added: '+', removed: '−', updated: '~' } as const

export function diffView(diff: ApiDiff): HTMLElement {
  if (diff.changes.length === 0) return h('p', { class: 'note' }, 'The two commits have the same tree.')
  const rows = diff.changes.map(change =>
    h(
      'tr',
      { class: `change ${change.kind}`, 'data-path': change.path },
      h('td', { class: 'kind', title: change.kind }, MARK[change.kind]),
      h('td', { class: 'path' }, change.path),
      h('td', { class: 'before' }, change.before ? valueBlock(change.before) : null),
      h('td', { class: 'after' }, change.after ? valueBlock(change.after) : null),
    ),
  )
  const table = h(
    'table',
    { class: 'diff' },
    h('colgroup', {}, h('col', { class: 'kind' }), h('col', { class: 'path' }), h('col', {}), h('col', {})),
    h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'path'), h('th', {}, 'before'), h('th', {}, 'after'))),
    h('tbody', {}, ...rows),
  )
  if (!diff.truncated) return table
  return h('div', {}, table, h('p', { class: 'note truncated' }, `Only the first ${diff.changes.length} changes are shown.`))
}
