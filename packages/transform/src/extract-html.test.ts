import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { extractHtml } from './extract-html.ts';
import { articlePage } from './fixtures/article-page.ts';

const PAGE_URL = 'https://blog.example/posts/42?ref=home';

describe('extractHtml on a realistic article page', () => {
  const page = articlePage();
  const extracted = extractHtml(page.html, PAGE_URL);

  it('keeps the article: every heading and paragraph, in order, each a paragraph of its own', () => {
    const paragraphs = extracted.text.split('\n\n');
    let previous = -1;
    for (const block of page.content) {
      const position = paragraphs.indexOf(block);
      expect(position, block).toBeGreaterThan(previous);
      previous = position;
    }
  });

  it('drops the boilerplate: cookie banner, header, navigation, sidebar, footer, scripts and styles', () => {
    for (const boilerplate of page.boilerplate) expect(extracted.text).not.toContain(boilerplate);
  });

  it('takes the title, the canonical URL resolved against the page URL, and the language', () => {
    expect(extracted.title).toBe(page.title);
    expect(extracted.canonicalUrl).toBe(new URL(page.canonicalHref, PAGE_URL).href);
    expect(extracted.lang).toBe(page.lang);
  });

  it('extracts a 50 KB page in a few milliseconds', () => {
    const large = articlePage({ repeat: 22 });
    expect(large.html.length).toBeGreaterThan(48_000);
    for (let i = 0; i < 3; i++) extractHtml(large.html, PAGE_URL); // warm up the JIT
    const runs = 10;
    const started = performance.now();
    for (let i = 0; i < runs; i++) extractHtml(large.html, PAGE_URL);
    const msPerPage = (performance.now() - started) / runs;
    // Measured about 20 ms on one core; the bound only catches a pathological regression.
    expect(msPerPage).toBeLessThan(250);
    expect(extractHtml(large.html, PAGE_URL).text).toContain('Measuring it (part 22)');
  });
});

describe('extractHtml on pages that are not articles', () => {
  it('falls back to the body without header, navigation, aside and footer when the page has no article', () => {
    const html =
      '<html><head><title>Price list</title></head><body><header><a href="/">Shop</a></header>' +
      '<nav><a href="/a">Alpha</a> <a href="/b">Beta</a></nav><div class="cookie-notice">We use cookies.</div>' +
      '<div><h2>Prices</h2><table><tr><td>Tea</td><td>3.00</td></tr><tr><td>Cake</td><td>4.50</td></tr></table></div>' +
      '<aside>Advert</aside><footer>© Shop</footer><script>track()</script></body></html>';
    expect(extractHtml(html, 'https://shop.example/prices')).toEqual({
      title: 'Price list',
      text: 'Prices\n\nTea 3.00\nCake 4.50',
    });
  });

  it('keeps the header and footer of an article element in the fallback', () => {
    const html =
      '<body><header>Site</header><article><header><h1>News</h1></header><p>Short news.</p>' +
      '<footer>Filed under: news</footer></article><footer>Site footer</footer></body>';
    expect(extractHtml(html, 'https://news.example/').text).toBe('News\n\nShort news.\n\nFiled under: news');
  });

  it('reads fragments and documents without a body tag', () => {
    expect(extractHtml('<p>Just a fragment.</p><p>Second.</p>', 'https://x.example/')).toEqual({
      text: 'Just a fragment.\n\nSecond.',
    });
    expect(
      extractHtml('<html lang="fr_ca"><title>Titre</title><p>Pas de body.</p></html>', 'https://x.example/'),
    ).toEqual({ title: 'Titre', text: 'Pas de body.', lang: 'fr-CA' });
  });

  it('returns empty text for an empty page or one with only scripts', () => {
    expect(extractHtml('', 'https://x.example/')).toEqual({ text: '' });
    expect(
      extractHtml('<html><body><script>a()</script><style>p{}</style></body></html>', 'https://x.example/'),
    ).toEqual({
      text: '',
    });
  });
});

describe('extractHtml metadata', () => {
  const withHead = (head: string, body = '<p>Body.</p>'): string =>
    `<!DOCTYPE html><html><head>${head}</head><body>${body}</body></html>`;

  it('resolves a canonical link against <base href>, and ignores non-http ones', () => {
    const base = '<base href="https://cdn.example/site/"><link rel="canonical" href="page">';
    expect(extractHtml(withHead(base), 'https://x.example/a').canonicalUrl).toBe(
      'https://cdn.example/site/page',
    );
    const absolute = '<link rel="alternate canonical" href="https://other.example/p">';
    expect(extractHtml(withHead(absolute), 'https://x.example/a').canonicalUrl).toBe(
      'https://other.example/p',
    );
    const script = '<link rel="canonical" href="javascript:alert(1)">';
    expect(extractHtml(withHead(script), 'https://x.example/a').canonicalUrl).toBeUndefined();
    expect(extractHtml(withHead(''), 'https://x.example/a').canonicalUrl).toBeUndefined();
  });

  it('takes the title from <title>, else from the first <h1>', () => {
    expect(extractHtml(withHead('<title>  Spaced \n title </title>'), 'https://x.example/').title).toBe(
      'Spaced title',
    );
    expect(
      extractHtml(withHead('', '<h1>Heading <em>one</em></h1><p>Text.</p>'), 'https://x.example/').title,
    ).toBe('Heading one');
    expect(extractHtml(withHead(''), 'https://x.example/').title).toBeUndefined();
  });

  it('takes the language from <html lang> or content-language, canonicalised, and drops invalid tags', () => {
    const meta = '<meta http-equiv="Content-Language" content="de-de, en">';
    expect(extractHtml(withHead(meta), 'https://x.example/').lang).toBe('de-DE');
    expect(
      extractHtml('<html lang="not a tag!"><body><p>x</p></body></html>', 'https://x.example/').lang,
    ).toBeUndefined();
  });
});
