/** The `irmin` command line (bin/irmin.js runs the compiled form of this file). */
import { runCli } from './run.js'

// `irmin log | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', error => {
  if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

process.exitCode = await runCli(process.argv.slice(2), process.env, process.stdout, process.stderr)
