/** The branch list: every branch with its head; choosing one shows its history. */
import type { ApiBranch } from './api-types.js'
import { h } from './dom.js'

export function branchesView(branches: readonly ApiBranch[], selected: string | undefined, onSelect: (branch: string | undefined) => void): HTMLElement {
  const item = (label: string, branch: string | undefined, head?: string) =>
    h(
      'li',
      { class: branch === selected ? 'selected' : undefined, 'data-branch': branch ?? '' },
      h('button', { type: 'button', onclick: () => onSelect(branch) }, h('span', { class: 'name' }, label), head ? h('code', {}, head.slice(0, 7)) : null),
    )
  return h('ul', { class: 'branches' }, item('all branches', undefined), ...branches.map(b => item(b.name, b.name, b.head)))
}
