/** The branch list: every branch with its head; choosing one shows its history. */
import type { ApiBranch } from './api-types.js'
import { follow } from './commit-view.js'
import { h } from './dom.js'

export interface BranchesViewOptions {
  selected: string | undefined
  href(branch: string | undefined): string
  onSelect(branch: string | undefined): void
}

export function branchesView(branches: readonly ApiBranch[], options: BranchesViewOptions): HTMLElement {
  const item = (label: string, branch: string | undefined, head?: string) =>
    h(
      'li',
      { class: branch === options.selected ? 'selected' : undefined, 'data-branch': branch ?? '' },
      h('a', { href: options.href(branch), onclick: follow(() => options.onSelect(branch)) }, h('span', { class: 'name' }, label), head ? h('code', {}, head.slice(0, 7)) : null),
    )
  return h('ul', { class: 'branches' }, item('all branches', undefined), ...branches.map(b => item(b.name, b.name, b.head)))
}
