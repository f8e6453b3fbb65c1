import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { siteLinks } from './site-links.ts';
import { siteLastModified, sitePageFor, sitePrivatePageHtml } from './site-page.ts';

const origin = 'http://127.0.0.2:8080';

/** What an HTML parser (the one the fetcher's crawler uses) reads from a page. */
function read(html: string) {
  const anchors: string[] = [];
  const canonical: string[] = [];
  const paragraphs: string[] = [];
  let title = '';
  let inTitle = false;
  let paragraph: string | undefined;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'a' && attributes.href !== undefined) anchors.push(attributes.href);
        if (name === 'link' && attributes.rel === 'canonical') canonical.push(attributes.href ?? '');
        if (name === 'title') inTitle = true;
        if (name === 'p' && attributes.class === undefined) paragraph = '';
      },
      ontext(text) {
        if (inTitle) title += text;
        if (paragraph !== undefined) paragraph += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (name === 'p' && paragraph !== undefined) {
          paragraphs.push(paragraph);
          paragraph = undefined;
        }
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  return { anchors, canonical, paragraphs, title };
}

function words(texts: readonly string[]): number {
  return texts.join(' ').split(/\s+/).filter(Boolean).length;
}

describe('sitePageFor', () => {
  it('writes exactly the links of siteLinks(), in order, and a canonical link to itself', () => {
    for (const page of [0, 1, 4, 10, 59]) {
      const served = sitePageFor(page, { origin, pages: 60 });
      const parsed = read(served.html);
      expect(parsed.anchors).toEqual(siteLinks(page, 60).map((link) => link.href));
      expect(parsed.canonical).toEqual([served.canonical]);
      expect(served.canonical).toBe(page === 0 ? `${origin}/site/` : `${origin}/site/pages/${page}`);
    }
  });

  it('carries a title and a few hundred words of article text', () => {
    for (const page of [0, 7, 33, 60]) {
      const served = sitePageFor(page, { origin, pages: 60 });
      const parsed = read(served.html);
      expect(parsed.title).toBe(served.title);
      expect(parsed.paragraphs).toEqual(served.paragraphs);
      expect(served.paragraphs.length).toBeGreaterThanOrEqual(4);
      expect(words(served.paragraphs)).toBeGreaterThan(150);
    }
  });

  it('is the same page every time, and another page for another number', () => {
    const a = sitePageFor(7, { origin, pages: 60 });
    expect(sitePageFor(7, { origin, pages: 60 })).toEqual(a);
    expect(sitePageFor(8, { origin, pages: 60 }).title).not.toBe(a.title);
  });

  it('drops the links to pages beyond the live count, and its date moves forward when that changes its bytes', () => {
    const full = sitePageFor(4, { origin, pages: 60 });
    const cut = sitePageFor(4, { origin, pages: 13 });
    expect(read(cut.html).anchors.filter((href) => href.startsWith('/site/pages/'))).toEqual([
      '/site/pages/13',
    ]);
    expect(cut.html).not.toBe(full.html);
    expect(cut.lastModified > full.lastModified).toBe(true);
    expect(sitePageFor(4, { origin, pages: 12 }).lastModified > cut.lastModified).toBe(true);
    // A page the live count does not touch keeps its bytes and date.
    expect(sitePageFor(2, { origin, pages: 13 })).toEqual(sitePageFor(2, { origin, pages: 60 }));
    expect(siteLastModified(30, 60)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('refuses a page that is not live', () => {
    expect(() => sitePageFor(61, { origin, pages: 60 })).toThrow(RangeError);
    expect(() => sitePageFor(-1, { origin, pages: 60 })).toThrow(RangeError);
    expect(() => sitePageFor(1.5, { origin, pages: 60 })).toThrow(RangeError);
  });
});

describe('sitePrivatePageHtml', () => {
  it('is an HTML page without links', () => {
    const parsed = read(sitePrivatePageHtml(3));
    expect(parsed.title).toBe('Staff notes 3');
    expect(parsed.anchors).toEqual([]);
  });
});
