import { describe, expect, it } from 'vitest';
import { extractLinks } from './html-links.ts';

const PAGE = 'https://site.example/blog/post.html';

describe('extractLinks', () => {
  it('reads a and area hrefs, resolved, without fragments, each once in first-seen order', () => {
    const html = `<!doctype html><html><body>
      <a href="/about">About</a>
      <a href="other.html#part">Other</a>
      <A HREF="https://elsewhere.example/x?a=1&amp;b=2">Elsewhere</A>
      <map><area shape="rect" href="/map-target" alt=""></map>
      <a href="/about#team">About again</a>
      <a>no href</a>
      <a href="#top">Top</a>
    </body></html>`;
    expect(extractLinks(html, PAGE)).toEqual({
      links: [
        'https://site.example/about',
        'https://site.example/blog/other.html',
        'https://elsewhere.example/x?a=1&b=2',
        'https://site.example/map-target',
        'https://site.example/blog/post.html',
      ],
      nofollow: false,
    });
  });

  it('drops links that are not http(s) and links marked rel="nofollow"', () => {
    const html = `<a href="mailto:me@site.example">mail</a>
      <a href="javascript:void(0)">js</a>
      <a href="tel:+100">tel</a>
      <a href="data:text/plain,hi">data</a>
      <a href="/ad" rel="sponsored NoFollow">ad</a>
      <a href="/kept" rel="noopener">kept</a>`;
    expect(extractLinks(html, PAGE).links).toEqual(['https://site.example/kept']);
  });

  it('resolves against <base href>, also links written before it, and only the first base counts', () => {
    const html = `<html><head>
      <link rel="canonical" href="canonical-post">
      <base href="https://static.example/root/">
      <base href="https://ignored.example/">
    </head><body><a href="page">p</a><a href="/abs">a</a></body></html>`;
    expect(extractLinks(`<a href="early">e</a>${html}`, PAGE)).toEqual({
      links: [
        'https://static.example/root/early',
        'https://static.example/root/page',
        'https://static.example/abs',
      ],
      canonical: 'https://static.example/root/canonical-post',
      nofollow: false,
    });
  });

  it('ignores a base that is not http(s)', () => {
    expect(extractLinks('<base href="javascript:alert(1)"><a href="x">x</a>', PAGE).links).toEqual([
      'https://site.example/blog/x',
    ]);
  });

  it('resolves the canonical link, the first one only', () => {
    const html = `<head><link rel="Canonical" href="/blog/post#x"><link rel="canonical" href="/second"></head>`;
    expect(extractLinks(html, PAGE)).toEqual({
      links: [],
      canonical: 'https://site.example/blog/post',
      nofollow: false,
    });
  });

  it.each([
    ['nofollow', 'noindex, NoFollow'],
    ['none', 'none'],
  ])('follows no link when the robots meta says %s, but still reports the canonical', (_what, content) => {
    const html = `<head><meta name="Robots" content="${content}"><link rel="canonical" href="/c"></head>
      <body><a href="/a">a</a></body>`;
    expect(extractLinks(html, PAGE)).toEqual({
      links: [],
      canonical: 'https://site.example/c',
      nofollow: true,
    });
  });

  it('does not take other meta names or noindex alone for nofollow', () => {
    const html = `<meta name="description" content="nofollow"><meta name="robots" content="noindex"><a href="/a">a</a>`;
    expect(extractLinks(html, PAGE)).toEqual({ links: ['https://site.example/a'], nofollow: false });
  });

  it('does not read links inside scripts or comments', () => {
    const html = `<script>document.write('<a href="/from-script">x</a>')</script>
      <!-- <a href="/commented">x</a> --><a href="/real">r</a>`;
    expect(extractLinks(html, PAGE).links).toEqual(['https://site.example/real']);
  });
});
