/** The PostgreSQL backend against the shared conformance suite, on a throwaway cluster. */
import { openPostgresBackend, type PostgresBackend } from '../../backends/postgres/index.js'
import { runConformance } from '../helpers/conformance.js'
import { freshDatabase } from '../helpers/postgres.js'

runConformance('PostgreSQL', {
  open: async options => openPostgresBackend(await freshDatabase(), options),
  reopen: async backend => {
    const { url } = backend as PostgresBackend
    await backend.close()
    return openPostgresBackend(url)
  },
})
