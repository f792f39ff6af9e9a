/**
 * Draws one chapter of the book with its threads, and keeps what the reader is doing (open
 * threads, half-written comments, the focused field) across redraws: the skeleton is built once
 * per chapter and only each paragraph's list and count are replaced when threads change.
 * Comment text only ever reaches the page as text nodes, never as HTML.
 */
import { h, show } from '../inspector/dom.js'
import { BOOK, BOOK_TITLE, type Chapter } from './book.js'
import type { Threads } from './comment-store.js'
import type { VisibleComment } from './thread.js'

export interface ViewActions {
  add(paragraph: string, text: string): Promise<void>
  edit(paragraph: string, comment: string, text: string): Promise<void>
  remove(paragraph: string, comment: string): Promise<void>
  /** Stores the reader's name; returns a message when it is refused. */
  rename(name: string): string | undefined
}

export interface SyncBadge {
  online: boolean
  syncing: boolean
  unsynced: number
  /** The last sync failure, shown as the badge's tooltip. */
  problem?: string
}

/** One formatter for every comment's time: making one per comment costs more than the rest of its drawing. */
const TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' })

interface ParagraphParts {
  count: HTMLButtonElement
  thread: HTMLDetailsElement
  summary: HTMLElement
  list: HTMLOListElement
}

export class BookView {
  private readonly badge = h('span', { class: 'badge', 'data-testid': 'badge' })
  private readonly reader = h('span', { class: 'reader' })
  private readonly parts = new Map<string, ParagraphParts>()
  /** Each drawn comment by id, with what it was drawn from: a redraw reuses those that did not change. */
  private drawn = new Map<string, { from: string; item: HTMLElement }>()

  constructor(
    private readonly root: HTMLElement,
    readonly chapter: Chapter,
    private readonly actions: ViewActions,
    private name: string | undefined,
  ) {
    const nav = h('nav', { class: 'chapters' }, ...BOOK.map(c => h('a', { href: `?chapter=${c.id}`, 'aria-current': c.id === chapter.id ? 'page' : undefined }, c.title)))
    const header = h('header', { class: 'masthead' }, h('span', { class: 'title' }, BOOK_TITLE), nav, this.reader, this.badge)
    const main = h('main', {}, h('h1', {}, BOOK_TITLE), h('h2', {}, chapter.title), ...chapter.paragraphs.map(p => this.paragraph(p.id, p.text)))
    show(root, header, main)
    this.drawReader()
  }

  /** Replaces every paragraph's thread; open threads stay open. */
  showThreads(threads: Threads): void {
    const before = this.drawn
    this.drawn = new Map()
    for (const [id, parts] of this.parts) {
      const comments = threads.get(id) ?? []
      parts.count.textContent = String(comments.length)
      parts.count.dataset.n = String(comments.length)
      parts.count.title = comments.length === 1 ? '1 comment' : `${comments.length} comments`
      parts.summary.textContent = comments.length === 0 ? 'Comment on this paragraph' : comments.length === 1 ? '1 comment' : `${comments.length} comments`
      show(parts.list, ...comments.map(c => this.reuse(before, id, c)))
    }
  }

  showBadge(state: SyncBadge): void {
    this.badge.dataset.online = String(state.online)
    this.badge.dataset.syncing = String(state.syncing)
    this.badge.dataset.unsynced = String(state.unsynced)
    const where = state.online ? 'Online' : 'Offline'
    this.badge.textContent = state.unsynced === 0 ? `${where} · all saved` : `${where} · ${state.unsynced} unsynced`
    this.badge.title = state.problem ?? ''
  }

  private paragraph(id: string, text: string): HTMLElement {
    const summary = h('summary', {})
    const list = h('ol', { class: 'comments' })
    const thread = h('details', { class: 'thread', 'data-testid': 'thread' }, summary, list, this.commentForm(id))
    const count = h('button', { class: 'count', 'data-testid': 'count', type: 'button', onclick: () => (thread.open = !thread.open) })
    this.parts.set(id, { count, thread, summary, list })
    return h('section', { class: 'para', id, 'data-paragraph': id }, count, h('p', {}, text), thread)
  }

  private reuse(before: ReadonlyMap<string, { from: string; item: HTMLElement }>, paragraph: string, c: VisibleComment): HTMLElement {
    const from = JSON.stringify([paragraph, c.author, c.time, c.text, c.edited, c.author === this.name])
    const old = before.get(c.id)
    const item = old?.from === from ? old.item : this.comment(paragraph, c)
    this.drawn.set(c.id, { from, item })
    return item
  }

  private comment(paragraph: string, c: VisibleComment): HTMLElement {
    const mine = c.author === this.name
    const text = h('div', { class: 'comment-text' }, c.text)
    const item = h('li', { 'data-comment': c.id, 'data-author': c.author })
    const meta = h(
      'div',
      { class: 'comment-meta' },
      h('span', { class: 'author' }, c.author),
      ' · ',
      h('time', { datetime: new Date(c.time).toISOString() }, TIME.format(new Date(c.time))),
      c.edited ? ' · edited' : '',
      mine && h('button', { type: 'button', class: 'edit', onclick: () => this.startEdit(item, paragraph, c) }, 'edit'),
      mine && h('button', { type: 'button', class: 'delete', onclick: () => this.run(item, () => this.actions.remove(paragraph, c.id)) }, 'delete'),
    )
    show(item, meta, text)
    return item
  }

  private startEdit(item: HTMLElement, paragraph: string, c: VisibleComment): void {
    const field = h('textarea', { name: 'text', 'aria-label': 'Edit your comment' })
    field.value = c.text
    const error = h('div', { class: 'form-error', role: 'alert' })
    const form = h('form', { class: 'comment-form edit-form' }, field, error, h('button', { type: 'submit' }, 'Save'))
    form.addEventListener('submit', event => {
      event.preventDefault()
      this.run(error, () => this.actions.edit(paragraph, c.id, field.value))
    })
    item.querySelector('.comment-text')?.replaceWith(form)
    field.focus()
  }

  private commentForm(paragraph: string): HTMLFormElement {
    const field = h('textarea', { name: 'text', placeholder: 'Your comment on this paragraph', 'aria-label': 'Your comment' })
    const author = h('input', { name: 'author', placeholder: 'Your name (asked once)', 'aria-label': 'Your name', autocomplete: 'name' })
    const error = h('div', { class: 'form-error', role: 'alert' })
    const form = h('form', { class: 'comment-form add-form' }, author, field, error, h('button', { type: 'submit' }, 'Comment'))
    form.addEventListener('submit', event => {
      event.preventDefault()
      if (this.name === undefined) {
        const problem = this.actions.rename(author.value)
        if (problem) return show(error, problem)
        this.setName(author.value.trim())
      }
      this.run(error, async () => {
        await this.actions.add(paragraph, field.value)
        field.value = ''
      })
    })
    return form
  }

  /** Runs an action; its failure is shown in `where` (a form's error line) instead of lost. */
  private run(where: HTMLElement, action: () => Promise<void>): void {
    const error = where.classList.contains('form-error') ? where : where.querySelector<HTMLElement>('.form-error')
    if (error) show(error)
    action().catch(e => {
      const message = e instanceof Error ? e.message : String(e)
      if (error) show(error, message)
      else window.alert(message)
    })
  }

  private setName(name: string): void {
    this.name = name
    this.drawReader()
  }

  private drawReader(): void {
    this.root.dataset.named = String(this.name !== undefined)
    for (const input of this.root.querySelectorAll<HTMLInputElement>('form.add-form input[name=author]')) input.hidden = this.name !== undefined
    if (this.name === undefined) return show(this.reader, 'Reading anonymously')
    show(this.reader, 'Signed as ', h('strong', {}, this.name))
  }
}
