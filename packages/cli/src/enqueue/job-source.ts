import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';

/** Where the job lines come from: a file, standard input (`-`), URLs given on the command line, or several. */
export interface JobInput {
  path?: string | undefined;
  urls?: readonly string[];
}

/** One line and its number (1-based, counting the command line's URLs first). */
export interface NumberedLine {
  text: string;
  line: number;
}

/** What an enqueue reads: numbered job lines, from a file (JobSource) or made from stored sources (refresh). */
export interface JobLines {
  lines(): AsyncIterable<NumberedLine>;
}

/**
 * A job input that can be read line by line, as often as needed, without holding it in memory: standard input
 * is spooled to a temporary file when it must be read twice (--strict validates everything before publishing).
 */
export class JobSource implements JobLines {
  readonly #input: JobInput;
  #spooled: string | undefined;
  #bytesRead = 0;

  constructor(input: JobInput) {
    this.#input = input;
  }

  /** Bytes of the file read so far in the current pass; with `totalBytes`, the progress of a pass. */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** The size of the input file, when there is one to measure. */
  async totalBytes(): Promise<number | undefined> {
    const path = this.#filePath();
    if (path === undefined) return undefined;
    return (await stat(path)).size;
  }

  /** Makes standard input re-readable. */
  async spoolStdin(): Promise<void> {
    if (this.#input.path !== '-' || this.#spooled !== undefined) return;
    const dir = await mkdtemp(join(tmpdir(), 'tributary-enqueue-'));
    this.#spooled = join(dir, 'jobs');
    await pipeline(process.stdin, createWriteStream(this.#spooled));
  }

  async *lines(): AsyncGenerator<NumberedLine> {
    this.#bytesRead = 0;
    let line = 0;
    for (const url of this.#input.urls ?? []) yield { text: url, line: ++line };
    const path = this.#filePath();
    const stream =
      path !== undefined ? createReadStream(path) : this.#input.path === '-' ? process.stdin : undefined;
    if (stream === undefined) return;
    stream.on('data', (chunk: Buffer | string) => {
      this.#bytesRead += chunk.length;
    });
    const reader = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const text of reader) yield { text, line: ++line };
  }

  async close(): Promise<void> {
    if (this.#spooled !== undefined) await rm(join(this.#spooled, '..'), { recursive: true, force: true });
  }

  #filePath(): string | undefined {
    if (this.#spooled !== undefined) return this.#spooled;
    const path = this.#input.path;
    return path === undefined || path === '-' ? undefined : path;
  }
}
