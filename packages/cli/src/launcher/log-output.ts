import { Writable } from 'node:stream';
import { styleText } from 'node:util';
import { renderPrettyLine, type TextLevel, tagJsonLine } from './log-render.ts';

/**
 * `pretty` for a person at a terminal; `json` (one JSON object a line, `process` added) for everything else.
 */
export type LogFormat = 'pretty' | 'json';

export interface LogOutputOptions {
  /** Where lines go; stdout by default. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** By default `pretty` when the stream is a terminal, `json` otherwise. */
  format?: LogFormat;
  /**
   * By default on when the stream is a colour terminal and NO_COLOR / NODE_DISABLE_COLORS do not say
   * otherwise.
   */
  color?: boolean;
}

/**
 * The one place every line of every process is written, prefixed with the process's name: rendered for a
 * reader on a terminal, kept as JSON otherwise, so that `tributary up | jq` works.
 */
export class LogOutput {
  readonly format: LogFormat;
  readonly #stream: NodeJS.WritableStream;
  readonly #color: boolean;
  #nameWidth = 0;

  constructor(options: LogOutputOptions = {}) {
    const stream = options.stream ?? process.stdout;
    this.#stream = stream;
    this.format = options.format ?? (stream.isTTY === true ? 'pretty' : 'json');
    // styleText leaves the text alone when the stream is no colour terminal or the environment asks for none.
    this.#color = options.color ?? (this.format === 'pretty' && styleText('red', 'x', { stream }) !== 'x');
  }

  /** Pads names to the longest of these, so that messages line up. */
  alignNames(names: Iterable<string>): void {
    for (const name of names) this.#nameWidth = Math.max(this.#nameWidth, name.length);
  }

  /** Writes one line that `processName` wrote; a line that is not JSON gets `textLevel`. */
  line(processName: string, line: string, textLevel: TextLevel = 'info'): void {
    const now = new Date();
    const rendered =
      this.format === 'json'
        ? tagJsonLine(processName, line, textLevel, now)
        : renderPrettyLine(processName, line, textLevel, {
            color: this.#color,
            nameWidth: Math.max(this.#nameWidth, processName.length),
            now,
          });
    this.#stream.write(`${rendered}\n`);
  }

  /** Writes a block of text as it is: for a person, in the pretty format only. */
  text(block: string): void {
    if (this.format === 'pretty') this.#stream.write(block.endsWith('\n') ? block : `${block}\n`);
  }

  /**
   * A stream whose lines are written as `processName`'s: the destination of the launcher's own pino logger.
   */
  destinationFor(processName: string): Writable {
    let pending = '';
    return new Writable({
      write: (chunk: Buffer | string, _encoding, callback) => {
        pending += chunk.toString();
        let newline = pending.indexOf('\n');
        while (newline !== -1) {
          this.line(processName, pending.slice(0, newline));
          pending = pending.slice(newline + 1);
          newline = pending.indexOf('\n');
        }
        callback();
      },
    });
  }
}
