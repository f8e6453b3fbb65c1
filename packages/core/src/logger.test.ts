import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logger.ts';

describe('createLogger', () => {
  it('writes JSON lines with the service and redacts auth headers and passwords', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
    const logger = createLogger({ service: 'fetcher', destination: stream });
    logger
      .child({ stage: 'fetch', jobId: 'j1' })
      .info(
        { request: { headers: { authorization: 'Bearer abc', accept: 'text/html' } }, password: 'pw' },
        'fetched',
      );
    await new Promise((resolve) => setImmediate(resolve));
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line).toMatchObject({
      service: 'fetcher',
      stage: 'fetch',
      jobId: 'j1',
      level: 'info',
      msg: 'fetched',
    });
    expect(line.request.headers).toEqual({ authorization: '[redacted]', accept: 'text/html' });
    expect(line.password).toBe('[redacted]');
  });
});

describe('redactUrl', () => {
  it('hides the password of a connection string', () => {
    expect(redactUrl('amqp://user:secret@broker:5672/vhost')).toBe('amqp://user:redacted@broker:5672/vhost');
    expect(redactUrl('not a url')).toBe('[unparseable url]');
  });
});
