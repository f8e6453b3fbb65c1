import { type Article, type Author, articleFor, type Block, type ContentOptions } from './article.ts';
import { renderPageHtml } from './page-html.ts';

/**
 * The deterministic content the demo API serves, computable without the server: tests elsewhere call
 * `recordFor(id)` and `pageFor(id)` to know exactly what `/records/:id` and `/pages/:id` answer.
 * The body of `/records/:id` is `JSON.stringify(recordFor(id, options))`; the body of `/pages/:id` is
 * `pageFor(id, options).html`.
 */

export type { Author, Block, ContentOptions };

export interface DemoRecord {
  id: string;
  title: string;
  /** The first sentence of the body. */
  summary: string;
  /** The paragraphs joined by a blank line. */
  body: string;
  author: Author;
  section: string;
  tags: string[];
  publishedAt: string;
  updatedAt: string;
  version: number;
  wordCount: number;
}

export interface DemoPage {
  id: string;
  title: string;
  author: Author;
  section: string;
  tags: string[];
  publishedAt: string;
  updatedAt: string;
  version: number;
  /** The text of the <article>'s h2 headings and paragraphs, in reading order. */
  blocks: Block[];
  /** The text content of each <p> of the article body. */
  paragraphs: string[];
  /** The text content of each <h2> of the article body. */
  headings: string[];
  /** The whole page, byte for byte what `/pages/:id` serves. */
  html: string;
}

function countWords(text: string): number {
  let n = 0;
  for (const w of text.split(/\s+/)) if (w.length > 0) n++;
  return n;
}

export function recordFrom(article: Article): DemoRecord {
  const body = article.paragraphs.join('\n\n');
  const first = article.paragraphs[0] ?? '';
  const end = first.indexOf('. ');
  return {
    id: article.id,
    title: article.title,
    summary: end === -1 ? first : first.slice(0, end + 1),
    body,
    author: article.author,
    section: article.section,
    tags: article.tags,
    publishedAt: article.publishedAt,
    updatedAt: article.updatedAt,
    version: article.version,
    wordCount: countWords(body),
  };
}

/** The JSON record `/records/:id` serves. Throws RangeError for a version or paragraph count out of range. */
export function recordFor(id: string | number, options: ContentOptions = {}): DemoRecord {
  return recordFrom(articleFor('record', String(id), options));
}

/** The HTML page `/pages/:id` serves, with the text it contains. Throws RangeError like `recordFor`. */
export function pageFor(id: string | number, options: ContentOptions = {}): DemoPage {
  const article = articleFor('page', String(id), options);
  return {
    id: article.id,
    title: article.title,
    author: article.author,
    section: article.section,
    tags: article.tags,
    publishedAt: article.publishedAt,
    updatedAt: article.updatedAt,
    version: article.version,
    blocks: article.blocks,
    paragraphs: article.paragraphs,
    headings: article.headings,
    html: renderPageHtml(article),
  };
}
