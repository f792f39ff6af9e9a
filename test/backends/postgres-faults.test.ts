/**
 * The PostgreSQL backend when the database misbehaves: a connection killed in the middle of a
 * batch (`pg_terminate_backend`), the server gone in the middle of writes, a store whose schema a
 * newer irminsule wrote, a refused password, an unreachable server. Each is a typed error;
 * nothing half-written is visible (the ref never moves to an incomplete commit) and fsck stays
 * clean; the backend serves again once the database is back.
 */
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { Contents, openPostgresBackend, Repo } from '../../index.js'
import { freePort, PostgresCluster } from '../../tools/postgres-cluster.js'
import { freshDatabase, testCluster } from '../helpers/postgres.js'

const own: PostgresCluster[] = []
afterAll(() => own.forEach(c => c.stopSync()))

/** A commit of `count` new values under `tag`: a few thousand objects, several insert statements. */
function bigWrite(repo: Repo<string>, tag: string, count = 6000) {
  return repo.branch('main').batch(tx => {
    for (let i = 0; i < count; i++) tx.set([tag, `d${i % 60}`, `k${i}`], `${tag} value ${i} ${'x'.repeat(200)}`)
  })
}

describe('PostgreSQL faults', () => {
  it('a connection killed mid-batch: a typed error, the ref unmoved, fsck clean, and the next write succeeds', async () => {
    const url = await freshDatabase()
    const repo = await Repo.open({ backend: await openPostgresBackend(url), contents: Contents.string })
    const before = await repo.branch('main').set(['seed'], 'x')
    // A trigger (this test's only) makes every insert of objects take a second: one is then terminated mid-batch.
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query(`CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;
      CREATE TRIGGER slow BEFORE INSERT ON irmin.objects FOR EACH STATEMENT EXECUTE FUNCTION slow()`)
    const write = bigWrite(repo, 'killed', 20_000).then(
      () => undefined,
      (error: { code?: string }) => error,
    )
    let killed = 0
    while (killed === 0) {
      const r = await admin.query(
        `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event = 'PgSleep' AND query LIKE 'INSERT INTO%objects%'`,
      )
      killed = Number(r.rows[0].n)
      await new Promise(resolve => setTimeout(resolve, 10))
    }
    await admin.query('DROP TRIGGER slow ON irmin.objects')
    await admin.end()
    const error = await write
    expect(killed).toBeGreaterThan(0)
    expect(error?.code).toBe('EDBLOST')
    expect((await repo.branch('main').head())!.id).toBe(before!.id)
    expect((await repo.fsck()).damage).toEqual([])
    await bigWrite(repo, 'after', 500)
    expect(await repo.branch('main').get(['after', 'd1', 'k1'])).toMatch(/^after value 1/)
    expect((await repo.fsck()).damage).toEqual([])
    await repo.close()
  }, 120_000)

  it('the server gone mid-write: typed errors while it is down, nothing acknowledged lost, fsck clean once it is back', async () => {
    const cluster = await PostgresCluster.start({ durable: true })
    own.push(cluster)
    const repo = await Repo.open({ backend: await openPostgresBackend(cluster.createDatabase('gone')), contents: Contents.string })
    const acknowledged: string[] = []
    const codes = new Set<string>()
    let stop = false
    const writer = (async () => {
      for (let n = 0; !stop; n++) {
        try {
          const head = await repo.branch('main').set([`k${n % 50}`], `v${n}`)
          acknowledged.push(head!.id)
        } catch (error) {
          codes.add((error as { code?: string }).code ?? String(error))
          await new Promise(resolve => setTimeout(resolve, 50))
        }
      }
    })()
    while (acknowledged.length < 20) await new Promise(resolve => setTimeout(resolve, 10))
    cluster.crash()
    await new Promise(resolve => setTimeout(resolve, 500))
    const whileDown = acknowledged.length
    cluster.restart()
    while (acknowledged.length < whileDown + 20) await new Promise(resolve => setTimeout(resolve, 10))
    stop = true
    await writer
    expect([...codes].every(code => ['EDBLOST', 'EDBUNAVAILABLE'].includes(code)), [...codes].join(', ')).toBe(true)
    expect(codes.size).toBeGreaterThan(0)
    const history = new Set<string>()
    for await (const commit of repo.branch('main').history()) history.add(commit.id)
    expect(acknowledged.filter(id => !history.has(id))).toEqual([])
    expect((await repo.fsck()).damage).toEqual([])
    await repo.close()
  }, 120_000)

  it('a schema of a newer version is refused before anything is read or written', async () => {
    const url = await freshDatabase()
    await (await openPostgresBackend(url)).close()
    const cluster = await testCluster()
    const database = new URL(url).pathname.slice(1)
    cluster.psql(`UPDATE irmin.meta SET value = '2' WHERE key = 'schema_version'`, database)
    await expect(openPostgresBackend(url)).rejects.toMatchObject({ code: 'ESCHEMAVERSION', message: expect.stringContaining('version 2') })
    expect(cluster.psql('SELECT count(*) FROM irmin.objects', database).trim()).toBe('0')
  })

  it('a refused password, an unreachable server and a missing database are typed errors naming the URL without its password', async () => {
    const cluster = await testCluster()
    await expect(openPostgresBackend(cluster.url('postgres', 'not-the-password'))).rejects.toMatchObject({ code: 'EDBAUTH', message: expect.not.stringContaining('not-the-password') })
    await expect(openPostgresBackend(`postgres://irmin:secret@127.0.0.1:${await freePort()}/x`)).rejects.toMatchObject({ code: 'EDBUNAVAILABLE' })
    await expect(openPostgresBackend(cluster.url('absent_database'))).rejects.toMatchObject({ code: 'EDBUNAVAILABLE' })
    await expect(openPostgresBackend('not a url')).rejects.toMatchObject({ code: 'EDBUNAVAILABLE' })
  })
})
