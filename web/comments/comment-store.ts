/**
 * The reader's comments in a local store: one thread (a `Contents.log` of `ThreadEntry`) per
 * paragraph at `comments/<chapter>/<paragraph>` on branch `main`. Every change appends one entry
 * in one commit; the append reads the thread inside the commit's batch, so two tabs appending at
 * once both land (the loser of the race re-runs on the new head).
 */
import type { Repo, Store } from '../../core/index.js'
import { type ThreadEntry, type VisibleComment, commentProblem, newEntryId, visibleComments } from './thread.js'

export const COMMENTS_BRANCH = 'main'
export const COMMENTS_ROOT = 'comments'

export type Threads = Map<string, VisibleComment[]>

export class CommentStore {
  readonly branch: Store<readonly ThreadEntry[]>

  constructor(
    readonly repo: Repo<readonly ThreadEntry[]>,
    private readonly clock: () => number = Date.now,
  ) {
    this.branch = repo.branch(COMMENTS_BRANCH)
  }

  /** The visible comments of every paragraph of a chapter that has any, by paragraph id. */
  async chapterThreads(chapter: string): Promise<Threads> {
    const threads: Threads = new Map()
    const paragraphs = await this.branch.list([COMMENTS_ROOT, chapter])
    const logs = await Promise.all(paragraphs.map(p => this.branch.find([COMMENTS_ROOT, chapter, p])))
    paragraphs.forEach((p, i) => {
      const visible = visibleComments(logs[i] ?? [])
      if (visible.length > 0) threads.set(p, visible)
    })
    return threads
  }

  add(chapter: string, paragraph: string, author: string, text: string): Promise<void> {
    return this.append(chapter, paragraph, time => ({ kind: 'comment', id: newEntryId(time), time, author, text }), 'comment on', text)
  }

  edit(chapter: string, paragraph: string, author: string, target: string, text: string): Promise<void> {
    return this.append(chapter, paragraph, time => ({ kind: 'edit', id: newEntryId(time), time, author, target, text }), 'edit a comment on', text)
  }

  remove(chapter: string, paragraph: string, author: string, target: string): Promise<void> {
    return this.append(chapter, paragraph, time => ({ kind: 'delete', id: newEntryId(time), time, author, target }), 'delete a comment on')
  }

  private async append(chapter: string, paragraph: string, make: (time: number) => ThreadEntry, verb: string, text?: string): Promise<void> {
    if (text !== undefined) {
      const problem = commentProblem(text)
      if (problem) throw new CommentRefusedError(problem)
    }
    const entry = make(this.clock())
    const path = [COMMENTS_ROOT, chapter, paragraph]
    await this.branch.batch(
      async tx => {
        const thread = (await tx.find(path)) ?? []
        tx.set(path, [...thread, entry])
      },
      { message: `${entry.author}: ${verb} ${chapter}/${paragraph}`, author: authorLine(entry.author) },
    )
  }
}

/** A comment the page refuses (empty or too long), with the message to show. */
export class CommentRefusedError extends Error {
  override name = 'CommentRefusedError'
}

/** A git author line from a free-form reader name: no angle brackets or newlines in the name. */
function authorLine(name: string): string {
  const clean = name.replace(/[<>\n\r]/g, ' ').trim() || 'reader'
  return `${clean} <reader@comments>`
}
