/** The `irmin` command line (its commands arrive with the CLI issue). */
const [command] = process.argv.slice(2)
if (command === '--version' || command === '-V') {
  console.log('irmin 0.1.0')
} else {
  console.error('irmin: no commands yet; see README.md')
  process.exitCode = 1
}
