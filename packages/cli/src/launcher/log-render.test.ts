import { describe, expect, it } from 'vitest';
import { parseJsonLine, renderPrettyLine, tagJsonLine } from './log-render.ts';

const now = new Date(2025, 0, 7, 9, 35, 12, 345);
const at = new Date(2025, 0, 7, 9, 35, 1, 2);
const plain = { color: false, nameWidth: 13, now };

const pinoLine = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: 'info', time: at.toISOString(), service: 'fetcher', ...fields });

describe('tagJsonLine', () => {
  it('adds the process name to a JSON line, first, keeping every field', () => {
    const line = pinoLine({ jobId: 'j1', msg: 'retry scheduled' });
    const tagged = tagJsonLine('fetcher-1', line, 'info', now);
    expect(tagged.startsWith('{"process":"fetcher-1",')).toBe(true);
    expect(JSON.parse(tagged)).toEqual({ ...JSON.parse(line), process: 'fetcher-1' });
  });

  it('keeps the launcher’s name when a line carries a `process` field of its own', () => {
    expect(JSON.parse(tagJsonLine('writer-2', '{"process":"other","msg":"x"}', 'info', now))).toEqual({
      process: 'writer-2',
      msg: 'x',
    });
  });

  it('wraps a line that is not JSON, so that the output stays one JSON object a line', () => {
    expect(JSON.parse(tagJsonLine('fetcher-1', 'fetcher: Invalid configuration:', 'error', now))).toEqual({
      level: 'error',
      time: now.toISOString(),
      process: 'fetcher-1',
      msg: 'fetcher: Invalid configuration:',
    });
    expect(JSON.parse(tagJsonLine('infra', '[1, 2]', 'info', now))).toMatchObject({ msg: '[1, 2]' });
  });
});

describe('renderPrettyLine', () => {
  it('shows local time, the padded name, the level and the message', () => {
    expect(renderPrettyLine('fetcher-1', pinoLine({ msg: 'started' }), 'info', plain)).toBe(
      '09:35:01.002 fetcher-1     INFO  started',
    );
  });

  it('shows a few fields after the message, the well-known ones first, and hides the boring ones', () => {
    const line = pinoLine({
      level: 'warn',
      pid: 42,
      traceId: 'a'.repeat(32),
      stage: 'fetch',
      attempt: 2,
      jobId: 'j-7',
      msg: 'retry scheduled',
    });
    expect(renderPrettyLine('fetcher-1', line, 'info', plain)).toBe(
      '09:35:01.002 fetcher-1     WARN  retry scheduled  jobId=j-7 attempt=2 stage=fetch',
    );
  });

  it('reads numeric pino levels, quotes values with spaces, cuts long values and stops after six fields', () => {
    const line = JSON.stringify({
      level: 50,
      time: at.getTime(),
      msg: 'failed',
      err: { type: 'Error', message: 'boom went the server', stack: 'Error: boom\n at x' },
      a: 1,
      b: 'x'.repeat(200),
      c: { nested: true },
      d: 4,
      e: 5,
      f: 6,
    });
    const rendered = renderPrettyLine('writer-1', line, 'info', plain);
    expect(rendered).toBe(
      `09:35:01.002 writer-1      ERROR failed  err="boom went the server" a=1 b=${'x'.repeat(79)}… ` +
        'c={"nested":true} d=4 e=5',
    );
  });

  it('shows a plain-text line as it is, marked when it came from stderr', () => {
    expect(renderPrettyLine('infra', '[infra/local] starting RabbitMQ', 'info', plain)).toBe(
      '09:35:12.345 infra         [infra/local] starting RabbitMQ',
    );
    expect(renderPrettyLine('writer-1', '    at main (file.ts:1)', 'error', plain)).toBe(
      '09:35:12.345 writer-1      ERROR     at main (file.ts:1)',
    );
  });

  it('follows the launcher’s report of a dead process with that process’s last lines', () => {
    const report = JSON.stringify({
      level: 'error',
      time: at.toISOString(),
      processName: 'writer-1',
      code: 1,
      lastLines: [pinoLine({ level: 'fatal', msg: 'uncaught error' }), 'Error: boom'],
      msg: 'writer-1 exited unexpectedly (exit code 1)',
    });
    expect(renderPrettyLine('up', report, 'info', plain).split('\n')).toEqual([
      '09:35:01.002 up            ERROR writer-1 exited unexpectedly (exit code 1)  processName=writer-1 code=1',
      '    last lines of writer-1:',
      '    09:35:01.002 writer-1 FATAL uncaught error',
      '    09:35:12.345 writer-1 Error: boom',
    ]);
  });

  it('colours the level and the name only when asked', () => {
    const coloured = renderPrettyLine('fetcher-1', pinoLine({ level: 'error', msg: 'x' }), 'info', {
      ...plain,
      color: true,
    });
    expect(coloured).toContain('\u001b[31mERROR');
    expect(renderPrettyLine('fetcher-1', pinoLine({ msg: 'x' }), 'info', plain)).not.toContain('\u001b');
  });
});

describe('parseJsonLine', () => {
  it('gives objects only', () => {
    expect(parseJsonLine('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonLine('{not json')).toBeUndefined();
    expect(parseJsonLine('null')).toBeUndefined();
    expect(parseJsonLine('plain')).toBeUndefined();
  });
});
