/** The last `limit` lines a process wrote, to show when it dies or does not get ready. */
export class LogTail {
  readonly #limit: number;
  readonly #lines: string[] = [];

  constructor(limit = 20) {
    this.#limit = limit;
  }

  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#limit) this.#lines.splice(0, this.#lines.length - this.#limit);
  }

  lines(): string[] {
    return [...this.#lines];
  }
}
