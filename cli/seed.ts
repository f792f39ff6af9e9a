/**
 * The example history `irmin serve --example` (and so `npm start`) puts in a new store, so the
 * inspector has something to show: commits on `main` and on `feature`, which forks from main
 * and is merged back into it, with text, JSON and binary values. Authors and dates are fixed, so
 * every run makes the same commit ids.
 */
import type { CommitOptions, Repo } from '../index.js'

const ADA = 'Ada <ada@example.org>'
const GRACE = 'Grace <grace@example.org>'
const START = Date.UTC(2024, 4, 1, 9, 0) / 1000

/** A 1×1 PNG: a binary value for the inspector to show as bytes. */
const PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

const text = (value: string) => new TextEncoder().encode(value)
const json = (value: unknown) => text(`${JSON.stringify(value, null, 2)}\n`)

export async function seedExample(repo: Repo<Uint8Array>): Promise<void> {
  let minutes = 0
  const commit = (message: string, author: string): CommitOptions => ({ message, author, date: START + 60 * (minutes += 7) })
  const main = repo.branch('main')
  const feature = repo.branch('feature')

  await main.batch(tx => {
    tx.set(['README.md'], text('# Example store\n\nA few commits on two branches, for the inspector to show.\n'))
    tx.set(['config', 'app.json'], json({ name: 'demo', port: 8080, debug: false }))
  }, commit('Add README and configuration', ADA))
  await main.set(['config', 'users.json'], json([{ name: 'ada', admin: true }]), commit('Add users', ADA))
  await main.set(['assets', 'pixel.png'], PIXEL_PNG, commit('Add a logo', GRACE))

  await repo.createBranch('feature', await main.headId())
  await feature.set(['config', 'app.json'], json({ name: 'demo', port: 8080, debug: true }), commit('Turn on debugging', GRACE))
  await feature.set(['docs', 'guide.md'], text('# Guide\n\nStart the server with `npm start`.\n'), commit('Write a guide', GRACE))

  await main.set(['config', 'users.json'], json([{ name: 'ada', admin: true }, { name: 'grace', admin: false }]), commit('Add grace', ADA))
  await main.remove(['assets', 'pixel.png'], commit('Drop the logo', ADA))

  // Both branches moved since the fork, so this is a merge commit with two parents.
  await repo.merge('feature', { into: 'main', ...commit('Merge feature', ADA) })
}
