/**
 * Changes between two commits, as git shows them: per changed path a header and, for text, the
 * line diff (hunks with both line numbers; in a changed line, the part that changed is marked);
 * images before and after; other bytes by their sizes.
 */
import { countChanges, type LineHunk } from '../../core/line-diff.js'
import type { ApiChange, ApiDiff } from './api-types.js'
import { h } from './dom.js'
import { imageBlock, isImage, valueBlock } from './values.js'

const MARK = { added: 'A', removed: 'D', updated: 'M' } as const

export interface DiffViewOptions {
  /** The raw URL of a value in a commit, for images. */
  rawUrl(commit: string, path: readonly string[]): string
}

export function diffView(diff: ApiDiff, options: DiffViewOptions): HTMLElement {
  if (diff.changes.length === 0) return h('p', { class: 'note' }, diff.a === null ? 'This commit holds no values.' : 'Nothing changed: the two trees are the same.')
  return h(
    'div',
    { class: 'diff' },
    h('p', { class: 'note summary' }, summary(diff)),
    ...diff.changes.map(change => changeBlock(diff, change, options)),
    diff.truncated ? h('p', { class: 'note truncated' }, `Only the first ${diff.changes.length} changes are shown.`) : null,
  )
}

function summary(diff: ApiDiff): string {
  const count = (kind: ApiChange['kind']) => diff.changes.filter(c => c.kind === kind).length
  const parts = (['added', 'updated', 'removed'] as const).filter(k => count(k) > 0).map(k => `${count(k)} ${k}`)
  return `${diff.changes.length}${diff.truncated ? '+' : ''} path${diff.changes.length === 1 ? '' : 's'} changed: ${parts.join(', ')}`
}

function changeBlock(diff: ApiDiff, change: ApiChange, options: DiffViewOptions): HTMLElement {
  const path = change.path.split('/')
  const stats = change.hunks ? countChanges(change.hunks) : undefined
  return h(
    'section',
    { class: `change ${change.kind}`, 'data-path': change.path },
    h(
      'header',
      {},
      h('span', { class: 'kind', title: change.kind }, MARK[change.kind]),
      h('span', { class: 'path' }, change.path),
      stats ? h('span', { class: 'stats' }, h('span', { class: 'plus' }, `+${stats.added}`), ' ', h('span', { class: 'minus' }, `−${stats.removed}`)) : null,
    ),
    body(diff, change, path, options),
  )
}

function body(diff: ApiDiff, change: ApiChange, path: string[], options: DiffViewOptions): HTMLElement {
  const value = change.after ?? change.before
  if (value && isImage(path, value)) {
    const side = (label: string, commit: string | null, present: boolean) =>
      present && commit !== null ? h('figure', {}, imageBlock(options.rawUrl(commit, path), path), h('figcaption', {}, label)) : null
    return h('div', { class: 'images' }, side('before', diff.a, change.before !== undefined), side('after', diff.b, change.after !== undefined))
  }
  if (change.hunks) return change.hunks.length === 0 ? h('p', { class: 'note' }, 'Only the line endings or bytes changed.') : hunksTable(change.hunks)
  const size = (v: ApiChange['before']) => (v ? `${v.size} bytes` : 'nothing')
  if (change.kind === 'updated') return h('p', { class: 'note binary' }, `Binary value: ${size(change.before)} → ${size(change.after)}`)
  return value ? valueBlock(value) : h('p', { class: 'note' }, 'empty')
}

const LINE = { context: { cls: 'ctx', op: ' ' }, removed: { cls: 'del', op: '-' }, added: { cls: 'add', op: '+' } } as const

function hunksTable(hunks: readonly LineHunk[]): HTMLElement {
  const rows: HTMLElement[] = []
  for (const hunk of hunks) {
    const range = (start: number, lines: number) => (lines === 1 ? `${start}` : `${start},${lines}`)
    const header = `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`
    rows.push(h('tr', { class: 'hunk-header' }, h('td', { colspan: 4 }, header, hunk.heading ? h('span', { class: 'heading' }, ` ${hunk.heading}`) : null)))
    // A side with no lines names the line before the change (git's convention): count from the next.
    let before = hunk.oldLines === 0 ? hunk.oldStart + 1 : hunk.oldStart
    let after = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart
    const marks = changedParts(hunk)
    hunk.lines.forEach((line, i) => {
      const { cls, op } = LINE[line.kind]
      const number = (n: number | undefined) => h('td', { class: 'number', ...(n === undefined ? {} : { 'data-line': n }) })
      rows.push(
        h(
          'tr',
          { class: `line ${cls}` },
          number(line.kind === 'added' ? undefined : before++),
          number(line.kind === 'removed' ? undefined : after++),
          h('td', { class: 'op' }, op),
          h('td', { class: 'text' }, ...marked(line.text, marks.get(i)), line.newline ? null : h('span', { class: 'no-newline', title: 'no newline at end of file' }, ' ⏎̸')),
        ),
      )
    })
  }
  return h('table', { class: 'hunks' }, h('tbody', {}, ...rows))
}

/**
 * Where a changed line differs from its partner: a run of n removed lines followed by n added
 * ones pairs them up in order, and each pair differs between their common prefix and suffix.
 */
function changedParts(hunk: LineHunk): Map<number, [number, number]> {
  const marks = new Map<number, [number, number]>()
  const lines = hunk.lines
  for (let i = 0; i < lines.length; ) {
    if (lines[i].kind !== 'removed') {
      i++
      continue
    }
    let removedEnd = i
    while (removedEnd < lines.length && lines[removedEnd].kind === 'removed') removedEnd++
    let addedEnd = removedEnd
    while (addedEnd < lines.length && lines[addedEnd].kind === 'added') addedEnd++
    if (addedEnd - removedEnd === removedEnd - i) {
      for (let k = 0; k < removedEnd - i; k++) {
        const [a, b] = [lines[i + k].text, lines[removedEnd + k].text]
        let start = 0
        while (start < a.length && start < b.length && a[start] === b[start]) start++
        let end = 0
        while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++
        marks.set(i + k, [start, a.length - end])
        marks.set(removedEnd + k, [start, b.length - end])
      }
    }
    i = addedEnd
  }
  return marks
}

function marked(text: string, mark: [number, number] | undefined): Array<Node | string> {
  if (!mark || mark[0] >= mark[1] || mark[1] - mark[0] === text.length) return [text]
  return [text.slice(0, mark[0]), h('mark', {}, text.slice(mark[0], mark[1])), text.slice(mark[1])]
}
