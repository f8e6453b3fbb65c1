import { describe, expect, it } from 'vitest';
import { strongEtag } from './conditional.ts';
import { pageFor, recordFor } from './content.ts';

/** The text content of the article body's <p> and <h2> elements, by regular expression: enough for our own markup. */
function articleText(html: string): { paragraphs: string[]; headings: string[] } {
  const body = /<div class="article-body">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
  const text = (inner: string) => inner.replace(/<[^>]+>/g, '');
  return {
    paragraphs: [...body.matchAll(/<p>([\s\S]*?)<\/p>/g)].map((m) => text(m[1] ?? '')),
    headings: [...body.matchAll(/<h2>([\s\S]*?)<\/h2>/g)].map((m) => text(m[1] ?? '')),
  };
}

describe('recordFor', () => {
  it('gives the same bytes for the same id, every time', () => {
    expect(JSON.stringify(recordFor(17))).toBe(JSON.stringify(recordFor('17')));
    // Pinned: if this changes, every expected document computed elsewhere changes with it.
    expect(recordFor(1).title).toBe('Why Results Are Central Again');
    expect(recordFor(1).author.name).toBe('Lucas Rossi');
  });

  it('gives different records for different ids', () => {
    const bodies = new Set(Array.from({ length: 200 }, (_, i) => recordFor(i + 1).body));
    expect(bodies.size).toBe(200);
  });

  it('has the fields a JSON API record has', () => {
    const record = recordFor('abc');
    expect(record).toMatchObject({ id: 'abc', version: 1, author: { name: expect.any(String) } });
    expect(record.tags.length).toBeGreaterThanOrEqual(2);
    expect(Date.parse(record.publishedAt)).not.toBeNaN();
    expect(record.body.split('\n\n').length).toBeGreaterThanOrEqual(2);
    expect(record.summary.length).toBeGreaterThan(0);
    expect(record.body.startsWith(record.summary)).toBe(true);
    expect(record.wordCount).toBe(record.body.split(/\s+/).length);
  });

  it('changes body, date and ETag with the version, keeping title and author', () => {
    const v1 = recordFor(5);
    const v2 = recordFor(5, { version: 2 });
    expect(v2.body).not.toBe(v1.body);
    expect(v2.title).toBe(v1.title);
    expect(Date.parse(v2.updatedAt)).toBeGreaterThan(Date.parse(v1.updatedAt));
    expect(strongEtag(JSON.stringify(v2))).not.toBe(strongEtag(JSON.stringify(v1)));
    expect(recordFor(5, { version: 1 })).toEqual(v1);
  });

  it('controls the paragraph count, and fewer paragraphs are a prefix of more', () => {
    const long = recordFor(9, { paragraphs: 12 }).body.split('\n\n');
    const short = recordFor(9, { paragraphs: 3 }).body.split('\n\n');
    expect(long).toHaveLength(12);
    expect(short).toEqual(long.slice(0, 3));
  });

  it('rejects a version or paragraph count out of range', () => {
    expect(() => recordFor(1, { version: 0 })).toThrow(RangeError);
    expect(() => recordFor(1, { paragraphs: 0 })).toThrow(RangeError);
    expect(() => recordFor(1, { paragraphs: 1.5 })).toThrow(RangeError);
  });
});

describe('pageFor', () => {
  it('gives the same bytes for the same id and different pages for different ids', () => {
    expect(pageFor(3).html).toBe(pageFor('3').html);
    const pages = new Set(Array.from({ length: 50 }, (_, i) => pageFor(i + 1).html));
    expect(pages.size).toBe(50);
  });

  it('weighs 20–60 KB, like a real article page', () => {
    for (let id = 1; id <= 200; id++) {
      const bytes = Buffer.byteLength(pageFor(id).html);
      expect(bytes).toBeGreaterThanOrEqual(20_000);
      expect(bytes).toBeLessThanOrEqual(60_000);
    }
  });

  it('has 8–30 paragraphs, and its paragraphs and headings are the text content of the article body', () => {
    for (const id of [1, 2, 77, 'slug-x']) {
      const page = pageFor(id);
      expect(page.paragraphs.length).toBeGreaterThanOrEqual(8);
      expect(page.paragraphs.length).toBeLessThanOrEqual(30);
      expect(articleText(page.html)).toEqual({ paragraphs: page.paragraphs, headings: page.headings });
      expect(page.blocks.filter((b) => b.type === 'paragraph').map((b) => b.text)).toEqual(page.paragraphs);
    }
  });

  it('wraps the article in the boilerplate of a real page', () => {
    const { html, title } = pageFor(11);
    expect(html).toContain(`<title>${title} | The Demo Gazette</title>`);
    expect(html).toContain('<link rel="canonical" href="/pages/11">');
    expect(html).toContain('<meta name="description"');
    expect(html).toMatch(/<style>[\s\S]+<\/style>/);
    expect(html).toMatch(/<script>[\s\S]+<\/script>/);
    expect(html).toContain('id="cookie-banner"');
    expect(html).toContain(`<h1>${title}</h1>`);
    expect(html).toMatch(/<aside>[\s\S]*Related stories[\s\S]*<\/aside>/);
    expect(html).toContain('<footer class="site-footer">');
    const navLinks = /<nav[\s\S]*?<\/nav>/.exec(html)?.[0].match(/<a /g) ?? [];
    expect(navLinks.length).toBeGreaterThanOrEqual(50);
  });

  it('changes with the version and gives the paragraph count asked for', () => {
    const v1 = pageFor(4);
    const v3 = pageFor(4, { version: 3, paragraphs: 5 });
    expect(v3.paragraphs).toHaveLength(5);
    expect(v3.html).not.toBe(v1.html);
    expect(strongEtag(v3.html)).not.toBe(strongEtag(v1.html));
    expect(pageFor(4, { version: 3, paragraphs: 9 }).paragraphs.slice(0, 5)).toEqual(v3.paragraphs);
  });
});
