/** The message of a commit the NFS export makes: what changed, short enough for a subject when it can be. */
export function commitMessage(changes: string[]): string {
  const joined = `nfs: ${changes.join(', ')}`
  if (joined.length <= 72) return joined
  const shown = changes.slice(0, 20)
  const more = changes.length > shown.length ? `\n… and ${changes.length - shown.length} more` : ''
  return `nfs: ${changes.length} changes\n\n${shown.join('\n')}${more}`
}
