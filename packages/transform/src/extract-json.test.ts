import { describe, expect, it } from 'vitest';
import { MalformedContentError } from './errors.ts';
import { extractJson, parseJson } from './extract-json.ts';

const article = {
  id: 17,
  title: '  Backpressure\nexplained ',
  body: 'First paragraph.\r\n\r\nSecond   paragraph.',
  author: { name: 'Ada Example', email: null, bio: '' },
  tags: ['queues', 'rabbitmq', '', null],
  comments: [
    { user: 'bob', text: 'Nice.' },
    { user: 'eve', text: 'Thanks!', likes: 3 },
  ],
  published: true,
  meta: {},
  related: [],
};

describe('extractJson with a field list', () => {
  it('returns the selected fields in the order given, each a paragraph, with the title from `title`', () => {
    expect(extractJson(article, { fields: ['body', 'author.name', 'title'] })).toEqual({
      title: 'Backpressure explained',
      text: 'First paragraph.\n\nSecond paragraph.\n\nAda Example\n\nBackpressure\nexplained',
    });
  });

  it('skips missing fields, nulls and empty strings', () => {
    expect(
      extractJson(article, {
        fields: ['summary', 'author.email', 'author.bio', 'author.missing.deep', 'id'],
      }),
    ).toEqual({
      title: 'Backpressure explained',
      text: '17',
    });
  });

  it('indexes arrays with numeric segments and collects every element otherwise', () => {
    expect(extractJson(article, { fields: ['tags.1', 'comments.text'] }).text).toBe(
      'rabbitmq\n\nNice.\n\nThanks!',
    );
  });

  it('flattens a selected object', () => {
    expect(extractJson(article, { fields: ['author'] }).text).toBe('name: Ada Example');
  });

  it('takes the title from `headline` or `name` when there is no `title`', () => {
    expect(extractJson({ headline: 'Head', name: 'Name', body: 'x' }, { fields: ['body'] }).title).toBe(
      'Head',
    );
    expect(extractJson({ name: 'Name', body: 'x' }, { fields: ['body'] }).title).toBe('Name');
    expect(extractJson({ title: '   ', name: 'Name' }).title).toBe('Name');
    expect(extractJson({ title: 42, body: 'x' }).title).toBeUndefined();
  });
});

describe('extractJson without a field list', () => {
  it('flattens the record to key: value lines in insertion order, skipping empty values', () => {
    expect(extractJson(article)).toEqual({
      title: 'Backpressure explained',
      text: [
        'id: 17',
        'title: Backpressure',
        'explained',
        'body: First paragraph.',
        '',
        'Second paragraph.',
        'author.name: Ada Example',
        'tags: queues, rabbitmq',
        'comments.0.user: bob',
        'comments.0.text: Nice.',
        'comments.1.user: eve',
        'comments.1.text: Thanks!',
        'comments.1.likes: 3',
        'published: true',
      ].join('\n'),
    });
  });

  it('reads scalars, arrays of records and empty values', () => {
    expect(extractJson('just a string')).toEqual({ text: 'just a string' });
    expect(extractJson(3.5)).toEqual({ text: '3.5' });
    expect(extractJson(null)).toEqual({ text: '' });
    expect(extractJson([{ a: 1 }, { a: 2 }])).toEqual({ text: '0.a: 1\n1.a: 2' });
    expect(extractJson({ nested: { deeper: { x: 'y' } } })).toEqual({ text: 'nested.deeper.x: y' });
  });

  it('reads the same record the same way every time', () => {
    expect(extractJson(structuredClone(article))).toEqual(extractJson(article));
  });
});

describe('parseJson', () => {
  it('parses JSON', () => {
    expect(parseJson('{"a":[1,2]}')).toEqual({ a: [1, 2] });
  });

  it('throws a non-retryable MalformedContentError, with the parser error as cause, for a body that is not JSON', () => {
    let error: unknown;
    try {
      parseJson('{"a": 1,');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MalformedContentError);
    expect(error).toMatchObject({ reason: 'malformed-content', retryable: false });
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });
});
