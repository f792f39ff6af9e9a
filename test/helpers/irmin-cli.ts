/** The irmin process helpers live in tools/ (benchmarks use them too). */
export * from '../../tools/irmin-cli.js'
