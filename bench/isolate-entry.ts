/** Child side of `isolated`: imports the module, runs the named measurement, prints its result. */
const [file, name, args] = process.argv.slice(2)
const module = (await import(file)) as Record<string, (...args: unknown[]) => Promise<unknown>>
const result = await module[name](...(JSON.parse(args) as unknown[]))
console.log(JSON.stringify(result))
