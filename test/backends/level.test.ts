/** The LevelDB backend: conformance, the one-process-per-directory rule, and in-memory refs. */
import { spawn } from 'node:child_process'
import { Level } from 'level'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Contents, openLevelBackend, Repo, type Backend } from '../../index.js'
import { runConformance } from '../helpers/conformance.js'
import { removeDir, tempDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))
const freshDir = () => {
  const dir = tempDir('irmin-level-')
  dirs.push(dir)
  return join(dir, 'db')
}

const locations = new WeakMap<Backend, string>()
runConformance('LevelDB', {
  open: async options => {
    const location = freshDir()
    const backend = await openLevelBackend(location, options)
    locations.set(backend, location)
    return backend
  },
  reopen: async backend => {
    await backend.close()
    const location = locations.get(backend)!
    const reopened = await openLevelBackend(location)
    locations.set(reopened, location)
    return reopened
  },
})

describe('LevelDB directory ownership', () => {
  it('a second open of the same directory fails with StoreLockedError, in-process and from another process', async () => {
    const location = freshDir()
    const backend = await openLevelBackend(location)
    await expect(openLevelBackend(location)).rejects.toMatchObject({ code: 'ELOCKED' })
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `import('${join(process.cwd(), 'index.ts')}').then(m => m.openLevelBackend(${JSON.stringify(location)})).then(() => console.log('opened'), e => console.log(e.code))`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    child.stdout.on('data', chunk => (out += chunk))
    await new Promise(resolve => child.on('exit', resolve))
    expect(out.trim()).toBe('ELOCKED')
    await backend.close()
    const again = await openLevelBackend(location) // free once closed
    await again.close()
  })

  it('a store written, closed and reopened reads back, and refs are answered from memory', async () => {
    const location = freshDir()
    let repo = await Repo.open({ backend: await openLevelBackend(location), contents: Contents.string })
    for (let i = 0; i < 20; i++) await repo.branch(i % 2 ? 'main' : 'dev').set(['k', `${i}`], `v${i}`)
    const head = await repo.branch('main').head()
    await repo.close()
    const backend = await openLevelBackend(location)
    expect(backend.peekRef('refs/heads/main')).toBe(head!.id)
    repo = await Repo.open({ backend, contents: Contents.string })
    expect(await repo.branch('main').list(['k'])).toEqual(['1', '11', '13', '15', '17', '19', '3', '5', '7', '9'])
    expect(await repo.branch('dev').get(['k', '18'])).toBe('v18')
    await repo.close()
  })
})

describe('LevelDB size index', () => {
  it('is rebuilt for a store that has objects but no index', async () => {
    const location = freshDir()
    const repo = await Repo.open({ backend: await openLevelBackend(location), contents: Contents.string })
    await repo.branch('main').batch(tx => {
      for (let i = 0; i < 30; i++) tx.set(['k', `${i}`], `value ${i}`)
    })
    const listed = async (backend: Backend) => {
      const ids: string[] = []
      for await (const id of backend.objectIds()) ids.push(id)
      return ids.sort()
    }
    const before = await listed(repo.backend)
    await repo.close()
    const raw = new Level(location)
    await raw.sublevel('s').clear()
    await raw.close()
    const backend = await openLevelBackend(location)
    expect(await listed(backend)).toEqual(before)
    const sizes = new Map<string, number>()
    for await (const batch of backend.objectSizes()) for (const [id, size] of batch) sizes.set(id, size)
    const read = await backend.getObjects(before)
    before.forEach((id, i) => expect(sizes.get(id)).toBe(read[i]!.length))
    await backend.close()
  })
})
