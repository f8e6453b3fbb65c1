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

  it('hides the connection strings of settings logged whole, with their credentials', async () => {
    const stream = new PassThrough();
    let output = '';
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const settings = {
      amqpUrls: ['amqp://user:secret@broker:5672'],
      mongoUrl: 'mongodb://user:secret@mongodb:27017/?authSource=admin',
      managementUrl: 'http://user:secret@broker:15672',
    };
    createLogger({ service: 'writer', destination: stream }).info(
      { config: settings, ...settings },
      'settings',
    );
    await new Promise((resolve) => setImmediate(resolve));
    const line = JSON.parse(output);
    expect(line.amqpUrls).toBe('[redacted]');
    expect(line.config.mongoUrl).toBe('[redacted]');
    expect(output).not.toContain('secret');
  });
});

describe('redactUrl', () => {
  it('hides the password of a connection string', () => {
    expect(redactUrl('amqp://user:secret@broker:5672/vhost')).toBe('amqp://user:redacted@broker:5672/vhost');
    expect(redactUrl('not a url')).toBe('[unparseable url]');
  });
});
