/**
 * Writes log lines to a stream once per event-loop turn instead of once per line. Writes to a pipe
 * are synchronous in Node on Linux, so a host that logs two lines per invocation would otherwise
 * spend a system call on each; here the lines of one turn go out in one write. What is still
 * buffered when the process exits (normally or through `process.exit`) is written then.
 */
export class LineWriter {
  readonly #stream: NodeJS.WritableStream;
  #lines: string[] = [];
  #scheduled = false;

  constructor(stream: NodeJS.WritableStream) {
    this.#stream = stream;
    process.once('exit', () => this.flush());
  }

  write(line: string): void {
    this.#lines.push(line);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#lines.length === 0) return;
    const text = this.#lines.join('\n') + '\n';
    this.#lines = [];
    this.#stream.write(text);
  }
}
