/**
 * The history: the commit graph beside one row per commit (short id, branch labels, subject,
 * author, date). Clicking a commit opens it; the checkboxes pick two commits to diff.
 */
import type { ApiCommit } from './api-types.js'
import { follow } from './commit-view.js'
import { h } from './dom.js'
import { graphView, ROW_HEIGHT } from './graph-view.js'

export interface HistoryViewOptions {
  labels: ReadonlyMap<string, readonly string[]>
  selected: string | undefined
  compared: readonly string[]
  href(id: string): string
  onOpen(id: string): void
  onCompare(id: string, checked: boolean): void
}

export function historyView(commits: readonly ApiCommit[], options: HistoryViewOptions): HTMLElement {
  if (commits.length === 0) return h('p', { class: 'note' }, 'No commits.')
  const rows = commits.map(commit =>
    h(
      'li',
      { class: commit.id === options.selected ? 'row selected' : 'row', style: `height:${ROW_HEIGHT}px`, 'data-id': commit.id },
      h('input', {
        type: 'checkbox',
        class: 'compare',
        title: 'pick two commits to compare',
        checked: options.compared.includes(commit.id),
        onchange: (event: Event) => options.onCompare(commit.id, (event.target as HTMLInputElement).checked),
      }),
      h(
        'a',
        { href: options.href(commit.id), class: 'open', onclick: follow(() => options.onOpen(commit.id)) },
        h('code', { class: 'id' }, commit.id.slice(0, 7)),
        ...(options.labels.get(commit.id) ?? []).map(name => h('span', { class: 'label' }, name)),
        h('span', { class: 'subject' }, commit.message.split('\n', 1)[0]),
      ),
      // The date first: a long author name is what the ellipsis cuts.
      h('span', { class: 'meta', title: commit.author }, `${commit.date.slice(0, 16).replace('T', ' ')} · ${commit.author.replace(/\s*<.*>$/, '')}`),
    ),
  )
  return h('div', { class: 'history' }, graphView(commits, { selected: options.selected, onOpen: options.onOpen }), h('ol', { class: 'rows' }, ...rows))
}
