/**
 * Runs one measurement in a fresh Node process, so that no figure pays for garbage or JIT state
 * left by another (a peer's heap can cost a neighbour 30% through major GCs alone).
 * The measurement is an exported async function of a bench module; its JSON result comes back.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ENTRY = fileURLToPath(new URL('./isolate-entry.ts', import.meta.url))

export function isolated<T>(moduleUrl: string, name: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, fileURLToPath(moduleUrl), name, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', chunk => (out += chunk))
    child.on('error', reject)
    child.on('exit', code => {
      const last = out.trim().split('\n').pop() ?? ''
      if (code !== 0) return reject(new Error(`measurement ${name} exited with ${code}`))
      try {
        resolve(JSON.parse(last) as T)
      } catch {
        reject(new Error(`measurement ${name} printed no result: ${last}`))
      }
    })
  })
}
