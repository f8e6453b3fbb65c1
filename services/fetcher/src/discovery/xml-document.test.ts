import { describe, expect, it } from 'vitest';
import { UnexpectedDocumentError } from './errors.ts';
import { parseXmlRoot } from './xml-document.ts';

describe('parseXmlRoot', () => {
  it('reads elements by local name, their trimmed text and their attributes', () => {
    const root = parseXmlRoot(
      '<?xml version="1.0"?><a:doc xmlns:a="urn:a" xml:base="https://x.example/"><a:item n="1"> one </a:item><a:item>two</a:item></a:doc>',
      'test document',
    );
    expect(root?.name).toBe('doc');
    expect(root?.attribute('base')).toBe('https://x.example/');
    expect(root?.children('item').map((item) => item.text())).toEqual(['one', 'two']);
    expect(root?.children('item')[0]?.attribute('n')).toBe('1');
    expect(root?.children('missing')).toEqual([]);
  });

  it('decodes entities and CDATA in text', () => {
    const root = parseXmlRoot('<r><t>a &amp; b</t><t><![CDATA[<c>]]></t></r>', 'test document');
    expect(root?.children('t').map((t) => t.text())).toEqual(['a & b', '<c>']);
  });

  it('finds the root behind a lower-case doctype', () => {
    expect(parseXmlRoot('<!doctype html><html><body>x</body></html>', 'page')?.name).toBe('html');
    expect(parseXmlRoot('<!DOCTYPE html><html><body>x</body></html>', 'page')?.name).toBe('html');
  });

  it('finds no root in text without elements', () => {
    expect(parseXmlRoot('just words', 'text')).toBeUndefined();
    expect(parseXmlRoot('', 'text')).toBeUndefined();
  });

  it('does not read inherited properties as children', () => {
    const root = parseXmlRoot('<r><x>1</x></r>', 'test document');
    expect(root?.children('constructor')).toEqual([]);
    expect(root?.children('toString')).toEqual([]);
  });

  it('throws UnexpectedDocumentError naming the document when the parser refuses the text', () => {
    expect(() =>
      parseXmlRoot('<r><__proto__>x</__proto__></r>', 'sitemap from https://x.example/s.xml'),
    ).toThrow(UnexpectedDocumentError);
    expect(() =>
      parseXmlRoot('<r><__proto__>x</__proto__></r>', 'sitemap from https://x.example/s.xml'),
    ).toThrow(/^sitemap from https:\/\/x\.example\/s\.xml is not readable XML: /);
  });
});
