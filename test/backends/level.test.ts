/** The LevelDB backend: conformance, the one-process-per-directory rule, and in-memory refs. */
import { spawn } from 'node:child_process'
import { mkdirSync, symlinkSync } from 'node:fs'
import { Level } from 'level'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Contents, openLevelBackend, Repo, type Backend } from '../../index.js'
import { runConformance } from '../helpers/conformance.js'
import { freshDirs } from '../helpers/git.js'

const freshDir = freshDirs('irmin-level-')

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

  it('every spelling of one directory is the same directory: relative, with ./ or //, a trailing slash, through symlinks', async () => {
    const location = freshDir()
    const parent = dirname(location)
    mkdirSync(location)
    symlinkSync(location, join(parent, 'link-to-db'))
    symlinkSync(parent, join(parent, 'link-to-parent'))
    const spellings = [
      relative(process.cwd(), location),
      `${parent}/./db`,
      `${parent}//db/`,
      join(parent, 'link-to-db'),
      join(parent, 'link-to-parent', 'db'),
    ]
    const backend = await openLevelBackend(location)
    for (const spelling of spellings) await expect(openLevelBackend(spelling), spelling).rejects.toMatchObject({ code: 'ELOCKED' })
    await backend.close()
    // Closing frees the directory under every spelling.
    for (const spelling of spellings) await (await openLevelBackend(spelling)).close()
  })

  it('a second spelling of an open directory cannot break compare-and-swap', async () => {
    const location = freshDir()
    const first = await openLevelBackend(location)
    const second = await openLevelBackend(relative(process.cwd(), location)).catch(() => undefined)
    try {
      const id = 'a'.repeat(40)
      const swaps = await Promise.all([first.casRef('refs/heads/main', undefined, id), second?.casRef('refs/heads/main', undefined, 'b'.repeat(40)) ?? false])
      expect(swaps.filter(Boolean)).toHaveLength(1)
    } finally {
      await Promise.all([first.close(), second?.close()])
    }
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

describe('LevelDB objects and a ref move in one write', () => {
  it('moves the ref only from the expected value, stores the objects either way, and both survive a reopen', async () => {
    const location = freshDir()
    const backend = await openLevelBackend(location)
    const id = (n: number) => n.toString(16).padStart(40, '0')
    const bytes = (n: number) => new TextEncoder().encode(`object ${n}`)
    const seen: Array<string | undefined> = []
    backend.watchRefs(name => name === 'refs/heads/main' && seen.push(backend.peekRef(name)))
    expect(await backend.putObjectsAndCasRef([[id(1), bytes(1)]], 'refs/heads/main', undefined, id(1))).toBe(true)
    expect(await backend.putObjectsAndCasRef([[id(2), bytes(2)]], 'refs/heads/main', id(9), id(2))).toBe(false)
    expect(await backend.putObjectsAndCasRef([[id(3), bytes(3)]], 'refs/heads/main', id(1), id(3))).toBe(true)
    expect(seen).toEqual([id(1), id(3)])
    await backend.close()
    const reopened = await openLevelBackend(location)
    expect(await reopened.getRef('refs/heads/main')).toBe(id(3))
    expect((await reopened.getObjects([id(1), id(2), id(3)])).map(b => b && new TextDecoder().decode(b))).toEqual(['object 1', 'object 2', 'object 3'])
    const sizes = new Map<string, number>()
    for await (const batch of reopened.objectSizes()) for (const [i, size] of batch) sizes.set(i, size)
    expect(sizes.get(id(2))).toBe(8)
    await reopened.close()
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
