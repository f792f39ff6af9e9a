/** A directory of a commit: breadcrumbs back up the path, directories first, then values. */
import type { ApiTree } from './api-types.js'
import { follow } from './commit-view.js'
import { h } from './dom.js'

export interface TreeViewOptions {
  openFile: readonly string[] | undefined
  /** The href of a directory (file false) or a value (file true), for links. */
  href(path: string[], file: boolean): string
  onOpen(path: string[], file: boolean): void
}

export function treeView(tree: ApiTree, path: readonly string[], options: TreeViewOptions): HTMLElement {
  const link = (target: string[], file: boolean, label: string, attributes: Record<string, string> = {}) =>
    h('a', { href: options.href(target, file), onclick: follow(() => options.onOpen(target, file)), ...attributes }, label)
  const crumbs: HTMLElement[] = [link([], false, 'root', { 'data-path': '' })]
  path.forEach((step, i) => {
    crumbs.push(h('span', { class: 'sep' }, '/'))
    crumbs.push(link(path.slice(0, i + 1), false, step, { 'data-path': path.slice(0, i + 1).join('/') }))
  })
  const sorted = [...tree.entries].sort((a, b) => Number(b.kind === 'dir') - Number(a.kind === 'dir') || (a.name < b.name ? -1 : 1))
  const openName = options.openFile && options.openFile.length === path.length + 1 ? options.openFile[path.length] : undefined
  const entries = sorted.map(entry => {
    const target = [...path, entry.name]
    const name = entry.kind === 'dir' ? `${entry.name}/` : entry.name
    return h(
      'li',
      { class: `entry ${entry.kind}${entry.name === openName ? ' selected' : ''}`, 'data-name': entry.name },
      // A submodule names a commit of another repository: nothing here to open.
      entry.kind === 'submodule' ? h('span', { class: 'name' }, name) : link(target, entry.kind === 'file', name, { class: 'name' }),
      h('code', { class: 'object-id', title: `${entry.mode} ${entry.id}` }, entry.id.slice(0, 7)),
    )
  })
  return h(
    'div',
    {},
    h('nav', { class: 'breadcrumbs', 'aria-label': 'path' }, ...crumbs),
    entries.length > 0 ? h('ul', { class: 'entries' }, ...entries) : h('p', { class: 'note' }, 'This tree is empty.'),
    tree.next === null ? null : h('p', { class: 'note truncated' }, `Only the first ${entries.length} entries are shown.`),
  )
}
