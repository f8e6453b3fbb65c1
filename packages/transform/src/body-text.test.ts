import { describe, expect, it } from 'vitest';
import { decodeBody } from './body-text.ts';

describe('decodeBody', () => {
  it.each([
    {
      name: 'UTF-8 when no charset is declared',
      bytes: Buffer.from('naïve café'),
      type: 'text/html',
      text: 'naïve café',
    },
    {
      name: 'the declared charset, case and quotes aside',
      bytes: Buffer.from('naïve café', 'latin1'),
      type: 'text/plain; Charset="ISO-8859-1"',
      text: 'naïve café',
    },
    {
      name: 'windows-1252 punctuation',
      bytes: Buffer.from([0x93, 0x71, 0x94, 0x20, 0x96, 0x20, 0x80]),
      type: 'text/plain;charset=windows-1252',
      text: '“q” – €',
    },
    {
      name: 'UTF-8 for an unknown charset',
      bytes: Buffer.from('ok ✓'),
      type: 'text/plain; charset=x-made-up',
      text: 'ok ✓',
    },
    {
      name: 'the byte order mark over the declaration',
      bytes: Buffer.from([0xff, 0xfe, 0x68, 0x00, 0x69, 0x00]),
      type: 'text/plain; charset=utf-8',
      text: 'hi',
    },
    {
      name: 'U+FFFD for malformed UTF-8, never an error',
      bytes: Buffer.from([0x61, 0xff, 0x62]),
      type: 'text/plain',
      text: 'a\ufffdb',
    },
  ])('decodes $name', ({ bytes, type, text }) => {
    expect(decodeBody(bytes, type)).toBe(text);
  });
});
