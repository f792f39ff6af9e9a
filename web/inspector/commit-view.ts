/**
 * The open commit's details: its subject and full message, author, committer and date, and its
 * parents as links (each opens that commit). Labels name the branches whose head it is.
 */
import type { ApiCommit } from './api-types.js'
import { h } from './dom.js'

export interface CommitViewOptions {
  labels: readonly string[]
  /** The href of a commit's view, for links that work opened in a new tab too. */
  href(id: string): string
  onOpen(id: string): void
}

export function commitView(commit: ApiCommit, options: CommitViewOptions): HTMLElement {
  const [subject, ...rest] = commit.message.split('\n')
  const body = rest.join('\n').trim()
  const link = (id: string) => h('a', { href: options.href(id), class: 'commit-link', 'data-id': id, onclick: follow(() => options.onOpen(id)) }, h('code', {}, id.slice(0, 7)))
  const row = (name: string, ...value: Array<Node | string>) => [h('dt', {}, name), h('dd', {}, ...value)]
  return h(
    'div',
    { class: 'commit-details', 'data-id': commit.id },
    h('h3', { class: 'subject' }, subject || '(no message)', ...options.labels.map(name => h('span', { class: 'label' }, name))),
    body ? h('pre', { class: 'message' }, body) : null,
    h(
      'dl',
      {},
      ...row('commit', h('code', { class: 'full-id' }, commit.id)),
      ...row('author', commit.author),
      ...row('committer', commit.committer),
      ...row('date', commit.date.slice(0, 19).replace('T', ' ') + ' UTC'),
      ...row(commit.parents.length === 1 ? 'parent' : 'parents', ...(commit.parents.length === 0 ? ['none (a root commit)'] : commit.parents.flatMap((id, i) => (i === 0 ? [link(id)] : [' ', link(id)])))),
    ),
  )
}

/** A link's click handled in the page; a click with a modifier key opens a new tab as usual. */
export function follow(action: () => void): EventListener {
  return event => {
    const mouse = event as MouseEvent
    if (mouse.ctrlKey || mouse.metaKey || mouse.shiftKey || mouse.button === 1) return
    event.preventDefault()
    action()
  }
}
