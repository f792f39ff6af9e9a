/**
 * What the inspector shows, as it lives in the page's URL, so that reload, links, back and
 * forward all land in the same place:
 *
 *   ?branch=feature             the history shown (absent: every branch)
 *   &commit=ID                  the open commit (absent: the head of the branch, followed live)
 *   &tab=files                  the open commit's files (absent: its changes)
 *   &path=config/               a directory of it (a trailing `/`) …
 *   &path=config/app.json       … or a value, shown beside its directory
 *   &q=app                      the path search over the open commit
 *   &diff=A..B                  two commits compared, older first
 *
 * Path steps never hold `/`, so joining them with `/` is unambiguous; URLSearchParams does the
 * percent-encoding.
 */

export type Tab = 'changes' | 'files'

export interface View {
  readonly branch?: string
  readonly commit?: string
  readonly tab: Tab
  /** The directory shown, or the value shown (then `file`); [] is the root. */
  readonly path: readonly string[]
  readonly file: boolean
  readonly q?: string
  readonly diff?: readonly [string, string]
}

export const HOME: View = { tab: 'changes', path: [], file: false }

export function parseView(search: string): View {
  const query = new URLSearchParams(search)
  const text = (name: string) => {
    const value = query.get(name)
    return value === null || value === '' ? undefined : value
  }
  const rawPath = text('path') ?? ''
  const steps = rawPath.split('/').filter(step => step !== '' && step !== '.' && step !== '..')
  const pair = text('diff')?.split('..')
  return {
    ...(text('branch') === undefined ? {} : { branch: text('branch') }),
    ...(text('commit') === undefined ? {} : { commit: text('commit') }),
    tab: text('tab') === 'files' ? 'files' : 'changes',
    path: steps,
    file: steps.length > 0 && !rawPath.endsWith('/'),
    ...(text('q') === undefined ? {} : { q: text('q') }),
    ...(pair?.length === 2 && pair[0] && pair[1] ? { diff: [pair[0], pair[1]] as const } : {}),
  }
}

/** The query string (with its `?`, or '' for the home view) that `parseView` reads back. */
export function formatView(view: View): string {
  const query = new URLSearchParams()
  if (view.branch !== undefined) query.set('branch', view.branch)
  if (view.commit !== undefined) query.set('commit', view.commit)
  if (view.tab === 'files') query.set('tab', 'files')
  if (view.path.length > 0) query.set('path', view.path.join('/') + (view.file ? '' : '/'))
  if (view.q !== undefined && view.q !== '') query.set('q', view.q)
  if (view.diff) query.set('diff', `${view.diff[0]}..${view.diff[1]}`)
  const text = query.toString()
  return text === '' ? '' : `?${text}`
}

/** Views equal in everything the URL holds. */
export function sameView(a: View, b: View): boolean {
  return formatView(a) === formatView(b)
}
