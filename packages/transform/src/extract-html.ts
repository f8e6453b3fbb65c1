import { isProbablyReaderable, Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import type { ExtractedContent } from './extracted-content.ts';
import { type HtmlElement, type HtmlNode, htmlText } from './html-text.ts';
import { normaliseText } from './normalise-text.ts';

interface HtmlDocument extends HtmlNode {
  readonly documentElement: HtmlElement | null;
  readonly head: HtmlElement | null;
  readonly body: HtmlElement | null;
  readonly title: string;
  querySelector(selectors: string): HtmlElement | null;
  querySelectorAll(selectors: string): ArrayLike<HtmlElement>;
}

interface MutableElement extends HtmlElement {
  readonly textContent: string | null;
  appendChild(node: HtmlNode): unknown;
  closest(selectors: string): HtmlElement | null;
}

/** Cookie and consent banners, recognised by their id, class or label. */
const CONSENT_BANNERS = [
  '[id*="cookie" i]',
  '[class*="cookie" i]',
  '[id*="consent" i]',
  '[class*="consent" i]',
  '[id*="gdpr" i]',
  '[class*="gdpr" i]',
  '[aria-label*="cookie" i]',
  '[aria-label*="consent" i]',
].join(', ');
/** A consent banner is short; a longer element with such a name is more likely an article about cookies. */
const CONSENT_BANNER_MAX_CHARS = 2_000;
/** Page furniture dropped when Readability finds no article and the whole body is used instead. */
const PAGE_FURNITURE = 'nav, aside, [role="navigation"], [role="complementary"], [role="search"]';
/** Page headers and footers; those inside an article or main element belong to the content and stay. */
const PAGE_HEADERS_AND_FOOTERS = 'header, footer, [role="banner"], [role="contentinfo"]';
const HEAD_ELEMENTS = new Set(['base', 'link', 'meta', 'style', 'title']);

/**
 * The readable content of an HTML page: Mozilla's Readability (the engine of Firefox's reader view) picks the
 * main content and drops navigation, banners, sidebars, footers, scripts and styles. When the page does not look
 * like an article (Readability's own `isProbablyReaderable`: no paragraphs of some length) or Readability finds
 * nothing, the body is used, without scripts, styles, navigation, page header and footer, asides and consent
 * banners. (On short pages Readability keeps everything, navigation included, so its cheap pre-check decides.)
 * Consent banners are removed before either. Paragraph structure survives: block elements become paragraphs
 * separated by blank lines.
 *
 * - `title`: Readability's (JSON-LD headline, `og:title`, or the `<title>` cleaned of a site name), else
 *   `<title>`, else the first `<h1>`.
 * - `canonicalUrl`: `<link rel="canonical">` resolved against `<base href>` and `url`; only http(s) URLs.
 * - `lang`: `<html lang>`, else `<meta http-equiv="content-language">`, canonicalised (`en_us` → `en-US`).
 *
 * Parses with linkedom, a light DOM without layout or scripting; scripts in the page never run.
 */
export function extractHtml(html: string, url: string): ExtractedContent {
  const document = parseDocument(html);
  const documentTitle = singleLine(document.title);
  const firstHeading = document.querySelector('h1');
  const headingTitle = firstHeading === null ? '' : singleLine(htmlText(firstHeading));
  const canonicalUrl = findCanonicalUrl(document, url);
  const lang = findLanguage(document);
  removeConsentBanners(document);

  let text = '';
  let title = '';
  const readerable = isProbablyReaderable(document);
  if (readerable) {
    try {
      const article = new Readability<unknown>(document, { serializer: (node) => node }).parse();
      if (article?.content) text = normaliseText(htmlText(article.content as HtmlNode));
      title = singleLine(article?.title);
    } catch {
      // Readability gave up on this document's structure: the fallback below still reads it.
    }
  }
  // Readability edits the document it reads, so the fallback starts from a fresh parse.
  if (text === '') text = bodyText(readerable ? parseDocument(html) : document);

  return {
    ...optional('title', title || documentTitle || headingTitle),
    text,
    ...optional('canonicalUrl', canonicalUrl),
    ...optional('lang', lang),
  };
}

/**
 * Parses with linkedom and repairs what its parser does not imply: it does not wrap a fragment in `<html>`, and
 * leaves content outside `<body>` when the page has no `<body>` tag. Such nodes are moved into `<head>` (leading
 * metadata elements) or `<body>`.
 */
function parseDocument(html: string): HtmlDocument {
  const source = /<html[\s>]/i.test(html) ? html : `<!DOCTYPE html><html>${html}</html>`;
  const { document } = parseHTML(source) as { document: HtmlDocument };
  const root = document.documentElement;
  const head = document.head as MutableElement | null;
  const body = document.body as MutableElement | null;
  if (root === null || head === null || body === null) return document;
  let inHead = body.childNodes.length === 0;
  for (const node of Array.from(root.childNodes)) {
    if (node === head || node === body) continue;
    const name = node.nodeType === 1 ? (node as HtmlElement).localName : '';
    const blank = node.nodeType === 3 && (node.nodeValue ?? '').trim() === '';
    inHead &&= HEAD_ELEMENTS.has(name) || blank || node.nodeType === 8;
    (inHead ? head : body).appendChild(node);
  }
  return document;
}

function removeConsentBanners(document: HtmlDocument): void {
  for (const element of Array.from(document.querySelectorAll(CONSENT_BANNERS)) as MutableElement[]) {
    if (['html', 'body', 'main', 'article'].includes(element.localName)) continue;
    if (element.querySelectorAll('article, main').length > 0) continue;
    if ((element.textContent ?? '').length > CONSENT_BANNER_MAX_CHARS) continue;
    element.remove();
  }
}

/** The body's text without page furniture: the fallback when Readability finds no article. */
function bodyText(document: HtmlDocument): string {
  removeConsentBanners(document);
  for (const element of Array.from(document.querySelectorAll(PAGE_FURNITURE))) element.remove();
  for (const element of Array.from(document.querySelectorAll(PAGE_HEADERS_AND_FOOTERS)) as MutableElement[]) {
    if (element.closest('article, main') === null) element.remove();
  }
  return document.body === null ? '' : normaliseText(htmlText(document.body));
}

function findCanonicalUrl(document: HtmlDocument, url: string): string | undefined {
  const baseHref = document.querySelector('base[href]')?.getAttribute('href');
  const base = (baseHref && resolveHttpUrl(baseHref, url)) || url;
  for (const link of Array.from(document.querySelectorAll('link[rel][href]'))) {
    const rel = (link.getAttribute('rel') ?? '').toLowerCase().split(/\s+/);
    const href = link.getAttribute('href')?.trim();
    if (rel.includes('canonical') && href) return resolveHttpUrl(href, base);
  }
  return undefined;
}

function resolveHttpUrl(href: string, base: string): string | undefined {
  try {
    const resolved = new URL(href, base);
    return resolved.protocol === 'http:' || resolved.protocol === 'https:' ? resolved.href : undefined;
  } catch {
    return undefined;
  }
}

function findLanguage(document: HtmlDocument): string | undefined {
  const declared =
    document.documentElement?.getAttribute('lang') ||
    document.querySelector('meta[http-equiv="content-language" i]')?.getAttribute('content');
  return declared ? canonicalLanguageTag(declared) : undefined;
}

function canonicalLanguageTag(declared: string): string | undefined {
  const first = declared.split(',')[0]?.trim().replaceAll('_', '-') ?? '';
  try {
    return first === '' ? undefined : Intl.getCanonicalLocales(first)[0];
  } catch {
    return undefined;
  }
}

function singleLine(text: string | null | undefined): string {
  return normaliseText(text ?? '').replace(/\s+/g, ' ');
}

/** `{ [key]: value }` when the value is a non-empty string, `{}` otherwise (optional properties stay absent). */
function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return value ? ({ [key]: value } as { [P in K]?: string }) : {};
}
