/** Bad input is refused with typed errors and clear messages, and changes nothing. */
import { describe, expect, it } from 'vitest'
import {
  Contents,
  CorruptObjectError,
  InvalidBranchNameError,
  InvalidPathError,
  InvalidValueError,
  openMemoryBackend,
  parsePath,
  Repo,
} from '../../index.js'

async function openRepo() {
  const backend = openMemoryBackend()
  return { backend, repo: await Repo.open({ backend, contents: Contents.string }) }
}

describe('invalid paths', () => {
  const bad: Array<[unknown, RegExp]> = [
    [['a', ''], /empty step/],
    [['a/b'], /contains "\/"/],
    [['a\0b'], /NUL/],
    [['.'], /"\." is not allowed/],
    [['a', '..'], /"\.\." is not allowed/],
    ['a/b', /a path is an array of steps/],
    [[1], /every step must be a string/],
    [['\ud800'], /not valid Unicode/],
  ]
  it.each(bad)('%j is refused by every operation', async (path, message) => {
    const { repo } = await openRepo()
    const main = repo.branch('main')
    const attempts: Array<() => Promise<unknown>> = [
      () => main.get(path as string[]),
      () => main.find(path as string[]),
      () => main.list(path as string[]),
      () => main.set(path as string[], 'v'),
      () => main.remove(path as string[]),
      () => main.batch(tx => tx.set(path as string[], 'v')),
      () => main.testAndSet(path as string[], undefined, 'v'),
    ]
    for (const attempt of attempts) {
      const error = await Promise.resolve().then(attempt).then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidPathError)
      expect((error as Error).message).toMatch(message)
    }
    expect(await main.head()).toBeUndefined()
  })

  it('parsePath reads a/b/c and refuses bad steps', () => {
    expect(parsePath('a/b/c')).toEqual(['a', 'b', 'c'])
    expect(parsePath('/a/b/')).toEqual(['a', 'b'])
    expect(parsePath('')).toEqual([])
    expect(() => parsePath('a//b')).toThrow(InvalidPathError)
    expect(() => parsePath('a/../b')).toThrow(InvalidPathError)
  })

  it('the root holds no value', async () => {
    const { repo } = await openRepo()
    await expect(repo.branch('main').set([], 'v')).rejects.toBeInstanceOf(InvalidPathError)
  })
})

describe('invalid branch names', () => {
  it.each(['', 'a..b', 'a b', 'x.lock', '-x', 'HEAD', 'a/', '/a', 'a//b', '.hidden', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', 'a@{1}', '@', 'end.'])(
    '%j is refused',
    async name => {
      const { repo } = await openRepo()
      expect(() => repo.branch(name)).toThrow(InvalidBranchNameError)
      await expect(repo.createBranch(name)).rejects.toBeInstanceOf(InvalidBranchNameError)
      await expect(repo.deleteBranch(name)).rejects.toBeInstanceOf(InvalidBranchNameError)
    },
  )

  it('names git accepts are accepted', async () => {
    const { repo } = await openRepo()
    for (const name of ['main', 'feature/x', 'release-1.0', 'a.b', 'ünï']) {
      await repo.branch(name).set(['k'], name)
    }
    expect(await repo.branches()).toEqual(['a.b', 'feature/x', 'main', 'release-1.0', 'ünï'])
  })
})

describe('values the codec cannot encode', () => {
  it('string contents refuse non-strings and lone surrogates', async () => {
    const { repo } = await openRepo()
    const main = repo.branch('main')
    await expect(main.set(['a'], 42 as unknown as string)).rejects.toThrow(/string contents take a string, got number/)
    await expect(main.set(['a'], '\udc00')).rejects.toBeInstanceOf(InvalidValueError)
    await expect(main.batch(tx => tx.set(['a'], null as unknown as string))).rejects.toBeInstanceOf(InvalidValueError)
    expect(await main.head()).toBeUndefined()
  })

  it('json contents refuse what JSON cannot represent, and encode canonically', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.json })
    const main = repo.branch('main')
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const value of [undefined, () => 1, NaN, Infinity, 10n, cyclic, new Date(0), { a: undefined }, [1, undefined]]) {
      await expect(main.set(['a'], value as never)).rejects.toBeInstanceOf(InvalidValueError)
    }
    await main.set(['x'], { b: 1, a: [true, null, 'é'] })
    const first = (await main.head())!.tree
    await main.set(['x'], { a: [true, null, 'é'], b: 1 }) // same value, keys in another order
    expect((await main.head())!.tree).toBe(first)
    expect(await main.get(['x'])).toEqual({ a: [true, null, 'é'], b: 1 })
  })

  it('bytes contents take Uint8Array and hand back copies', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    const main = repo.branch('main')
    await expect(main.set(['a'], 'text' as unknown as Uint8Array)).rejects.toBeInstanceOf(InvalidValueError)
    await main.set(['a'], new Uint8Array([1, 2, 3]))
    const got = await main.get(['a'])
    got[0] = 99
    expect([...(await main.get(['a']))]).toEqual([1, 2, 3])
  })

  it('commit metadata git cannot write is refused', async () => {
    const { repo } = await openRepo()
    const main = repo.branch('main')
    await expect(main.set(['a'], 'v', { author: 'Evil\nName <e@x>' })).rejects.toMatchObject({ code: 'EINVALIDINFO' })
    await expect(main.set(['a'], 'v', { date: -5 })).rejects.toMatchObject({ code: 'EINVALIDINFO' })
    await expect(main.set(['a'], 'v', { date: new Date('nope') })).rejects.toMatchObject({ code: 'EINVALIDINFO' })
    await expect(main.set(['a'], 'v', { timezone: '0100' })).rejects.toMatchObject({ code: 'EINVALIDINFO' })
    await expect(main.set(['a'], 'v', { message: 'a\0b' })).rejects.toMatchObject({ code: 'EINVALIDINFO' })
    expect(await main.head()).toBeUndefined()
  })
})

describe('missing things and read-only views', () => {
  it('get of a missing path or a directory throws NotFoundError; find returns undefined', async () => {
    const { repo } = await openRepo()
    const main = repo.branch('main')
    await expect(main.get(['nope'])).rejects.toMatchObject({ code: 'ENOTFOUND', message: 'not found: nope' })
    await main.set(['dir', 'file'], 'v')
    await expect(main.get(['dir'])).rejects.toMatchObject({ code: 'ENOTFOUND' })
    await expect(main.get(['dir', 'file', 'below'])).rejects.toMatchObject({ code: 'ENOTFOUND' })
    expect(await main.find(['dir'])).toBeUndefined()
    expect(await main.list(['dir', 'file'])).toEqual([])
  })

  it('commit views refuse writes; unknown commits and bad ids are reported', async () => {
    const { repo } = await openRepo()
    const head = await repo.branch('main').set(['a'], '1')
    const view = repo.commit(head!.id)
    expect(await view.get(['a'])).toBe('1')
    await expect(view.set(['a'], '2')).rejects.toMatchObject({ code: 'EREADONLY' })
    expect(() => view.watch(() => {})).toThrow(/read-only/)
    expect(() => repo.commit('not-a-commit')).toThrow(/invalid object id/)
    await expect(repo.readCommit('0'.repeat(40))).rejects.toMatchObject({ code: 'ENOTFOUND' })
    await expect(repo.commit('0'.repeat(40)).get(['a'])).rejects.toMatchObject({ code: 'EMISSING' })
    await expect(repo.createBranch('main', head!.id)).rejects.toMatchObject({ code: 'EEXISTS' })
    await expect(repo.createBranch('x', '0'.repeat(40))).rejects.toMatchObject({ code: 'ENOTFOUND' })
    await expect(repo.deleteBranch('nope')).rejects.toMatchObject({ code: 'ENOTFOUND' })
    const empty = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
    await expect(empty.createBranch('x')).rejects.toMatchObject({ code: 'ENOTFOUND' })
  })

  it('Repo.open refuses a missing backend or codec', async () => {
    await expect(Repo.open({} as never)).rejects.toMatchObject({ code: 'EINVAL' })
    await expect(Repo.open({ backend: openMemoryBackend() } as never)).rejects.toMatchObject({ code: 'EINVAL' })
  })
})

describe('corrupt objects', () => {
  it('a flipped byte is reported as corruption naming the object, never returned as data', async () => {
    const { backend, repo } = await openRepo()
    await repo.branch('main').set(['a', 'b'], 'precious')
    const blobId = await (await repo.branch('main').tree()).findId(['a', 'b'])
    const [bytes] = await backend.getObjects([blobId!])
    bytes![bytes!.length - 1] ^= 1 // flip a bit in place, as a bad disk would
    const fresh = await Repo.open({ backend, contents: Contents.string })
    const error = await fresh.branch('main').get(['a', 'b']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CorruptObjectError)
    expect((error as CorruptObjectError).id).toBe(blobId)
    expect((error as Error).message).toContain(blobId!)
  })

  it('a commit whose tree is missing is reported as a missing object', async () => {
    const { backend, repo } = await openRepo()
    const head = await repo.branch('main').set(['a'], 'v')
    await backend.deleteObjects([head!.tree])
    const fresh = await Repo.open({ backend, contents: Contents.string })
    await expect(fresh.branch('main').get(['a'])).rejects.toMatchObject({ code: 'EMISSING', id: head!.tree })
  })
})
