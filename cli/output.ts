/**
 * Where commands write. In `--json` mode a command's results are JSON (one document, or one per
 * line for commands that stream) and its notes are silent; otherwise results are text. Errors go
 * to stderr as one line (or one JSON object), with the stack only under `--debug`; an error that
 * lists things (merge conflicts) puts one line per thing before it.
 */
import { IrminError } from '../core/index.js'
import { DetailedError } from './errors.js'

export interface Sink {
  write(chunk: string | Uint8Array): unknown
}

export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: Sink,
    private readonly stderr: Sink,
  ) {}

  /** A result: `value` as JSON in `--json` mode, otherwise the lines `render` makes of it. */
  result<V>(value: V, render: (value: V) => string | readonly string[]): void {
    if (this.json) {
      this.stdout.write(`${JSON.stringify(value)}\n`)
      return
    }
    const text = render(value)
    const lines = typeof text === 'string' ? [text] : text
    if (lines.length > 0) this.stdout.write(`${lines.join('\n')}\n`)
  }

  /** Bytes exactly as given (a value read with `--contents bytes`). */
  raw(bytes: Uint8Array): void {
    this.stdout.write(bytes)
  }

  /** Help text: always text, on stdout. */
  help(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  /** A remark for a person (what happened, where a server listens); not part of the result. */
  note(text: string): void {
    if (!this.json) this.stderr.write(`${text}\n`)
  }

  error(error: unknown, debug: boolean): void {
    const message = error instanceof Error ? error.message : String(error)
    const code = error instanceof IrminError ? error.code : ((error as { code?: string } | undefined)?.code ?? 'EFAIL')
    const detailed = error instanceof DetailedError ? error : undefined
    if (this.json) this.stderr.write(`${JSON.stringify({ error: message, code, ...detailed?.fields })}\n`)
    else this.stderr.write([...(detailed?.lines ?? []), debug && error instanceof Error && error.stack ? error.stack : oneLine(message)].map(line => `${line}\n`).join(''))
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ')
}
