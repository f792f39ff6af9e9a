/** A directory of a commit: breadcrumbs back up the path, directories first, then values. */
import type { ApiTree } from './api-types.js'
import { h } from './dom.js'

export interface TreeViewOptions {
  openFile: readonly string[] | undefined
  onDirectory(path: string[]): void
  onFile(path: string[]): void
}

export function treeView(tree: ApiTree, path: readonly string[], options: TreeViewOptions): HTMLElement {
  const crumbs: HTMLElement[] = [h('a', { href: '#', 'data-path': '', onclick: follow(() => options.onDirectory([])) }, 'root')]
  path.forEach((step, i) => {
    crumbs.push(h('span', { class: 'sep' }, '/'))
    crumbs.push(h('a', { href: '#', 'data-path': path.slice(0, i + 1).join('/'), onclick: follow(() => options.onDirectory(path.slice(0, i + 1))) }, step))
  })
  const sorted = [...tree.entries].sort((a, b) => Number(b.kind === 'dir') - Number(a.kind === 'dir') || (a.name < b.name ? -1 : 1))
  const openName = options.openFile && options.openFile.length === path.length + 1 ? options.openFile[path.length] : undefined
  const entries = sorted.map(entry => {
    const target = [...path, entry.name]
    const onclick = entry.kind === 'dir' ? () => options.onDirectory(target) : entry.kind === 'file' ? () => options.onFile(target) : undefined
    return h(
      'li',
      { class: `entry ${entry.kind}${entry.name === openName ? ' selected' : ''}`, 'data-name': entry.name },
      h('button', { type: 'button', onclick, disabled: onclick === undefined }, entry.kind === 'dir' ? `${entry.name}/` : entry.name),
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

function follow(action: () => void): EventListener {
  return event => {
    event.preventDefault()
    action()
  }
}
