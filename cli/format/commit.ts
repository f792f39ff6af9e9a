/** Commits as `log` prints them (git's medium and oneline formats) and as `--json` gives them. */
import type { CommitInfo } from '../../index.js'

export function shortId(id: string): string {
  return id.slice(0, 7)
}

/** `2024-05-01 12:00:00 +0000`: dates are shown in UTC, as stored by default. */
export function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} +0000`
}

export function firstLine(message: string): string {
  return message.split('\n', 1)[0]
}

export function onelineFormat(commit: CommitInfo): string[] {
  return [`${shortId(commit.id)} ${firstLine(commit.message)}`]
}

export function mediumFormat(commit: CommitInfo): string[] {
  return [
    `commit ${commit.id}`,
    ...(commit.parents.length > 1 ? [`Merge: ${commit.parents.map(shortId).join(' ')}`] : []),
    `Author: ${commit.author}`,
    `Date:   ${formatDate(commit.date)}`,
    '',
    // git indents every line of the message, blank ones too.
    ...commit.message.replace(/\n+$/, '').split('\n').map(line => `    ${line}`),
    '',
  ]
}

export function commitJson(commit: CommitInfo) {
  return {
    id: commit.id,
    tree: commit.tree,
    parents: commit.parents,
    author: commit.author,
    committer: commit.committer,
    date: commit.date.toISOString(),
    message: commit.message,
  }
}
