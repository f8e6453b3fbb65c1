import { PassThrough } from 'node:stream';
import { createLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { LogOutput } from './log-output.ts';

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let written = '';
  stream.on('data', (chunk: Buffer) => {
    written += chunk.toString();
  });
  return { stream, lines: () => written.split('\n').filter((line) => line !== '') };
}

describe('LogOutput', () => {
  it('keeps JSON when the output is not a terminal, each line tagged with its process', () => {
    const out = capture(false);
    const output = new LogOutput({ stream: out.stream });
    output.line('writer-1', '{"level":"info","msg":"started"}');
    output.line('writer-1', 'Error: boom', 'error');
    output.text('a block for people only');
    expect(output.format).toBe('json');
    expect(out.lines().map((line) => JSON.parse(line))).toEqual([
      { process: 'writer-1', level: 'info', msg: 'started' },
      expect.objectContaining({ process: 'writer-1', level: 'error', msg: 'Error: boom' }),
    ]);
  });

  it('renders lines for reading on a terminal, names padded to the longest', () => {
    const out = capture(true);
    const output = new LogOutput({ stream: out.stream, color: false });
    output.alignNames(['transformer-12']);
    output.line('up', '{"level":"warn","time":"2025-01-07T09:35:01.002Z","msg":"restarting"}');
    output.text('Tributary is running');
    expect(output.format).toBe('pretty');
    const [line, block] = out.lines();
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.002 up {13}WARN {2}restarting$/);
    expect(block).toBe('Tributary is running');
  });

  it('takes a pino logger’s lines as the lines of a process, however they are cut into writes', () => {
    const out = capture(false);
    const output = new LogOutput({ stream: out.stream });
    const destination = output.destinationFor('up');
    createLogger({ service: 'up', destination }).info({ processName: 'fetcher-1' }, 'process started');
    destination.write('{"msg":"in ');
    destination.write('two"}\n');
    expect(out.lines().map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        process: 'up',
        service: 'up',
        processName: 'fetcher-1',
        msg: 'process started',
      }),
      { process: 'up', msg: 'in two' },
    ]);
  });
});
