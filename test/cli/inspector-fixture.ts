/**
 * The store the inspector tests walk: a poem of 30 lines in which the second commit changes one
 * word, images (PNG and SVG), a deep directory, and a line 3,000 characters long; and the means
 * to move a branch from outside, as another writer would.
 */
import type { CommitOptions, Repo } from '../../index.js'

export const PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
export const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32" viewBox="0 0 64 32"><rect width="64" height="32" fill="#2563eb"/><script>parent.svgRan = true</script></svg>\n'
export const POEM = Array.from({ length: 30 }, (_, i) => `line ${i + 1} of the poem, where the river runs`).join('\n') + '\n'
export const CHANGED_POEM = POEM.replace('line 15 of the poem, where the river runs', 'line 15 of the poem, where the stream runs')

const text = (value: string) => new TextEncoder().encode(value)
const at = (minutes: number, message: string): CommitOptions => ({ message, author: 'Ada <ada@example.org>', date: Date.UTC(2024, 4, 1, 9, minutes) / 1000 })

export async function writeFixture(repo: Repo<Uint8Array>): Promise<void> {
  const main = repo.branch('main')
  await main.batch(tx => {
    tx.set(['poem.txt'], text(POEM))
    tx.set(['images', 'pixel.png'], PIXEL_PNG)
    tx.set(['images', 'logo.svg'], text(LOGO_SVG))
    tx.set(['docs', 'deep', 'nested', 'notes.md'], text('# Notes\n\nFirst note.\nSecond note.\n'))
    tx.set(['long-line.txt'], text(`${'word '.repeat(600)}\n`))
  }, { ...at(0, 'Add the poem, images and notes'), })
  await main.set(['poem.txt'], text(CHANGED_POEM), { ...at(7, 'Change a word\n\nThe river becomes a stream: a one-word change in a long text.') })
}
