import { randomFor } from './prng.ts';
import { headline, paragraph, sectionHeading } from './text.ts';
import { FIRST_NAMES, LAST_NAMES, SECTIONS, TAGS } from './vocabulary.ts';

/**
 * The article model behind both routes: a record and a page are the same kind of thing (title, author,
 * dates, text) rendered as JSON or as HTML, in separate id spaces. Every field comes from its own seed, so
 * the metadata of an article is cheap to compute alone (feeds, related links), and paragraph `i` is the same
 * whatever the paragraph count: `paragraphs=5` gives the first five paragraphs of `paragraphs=20`.
 */

export type ContentKind = 'record' | 'page' | 'site';

export interface ContentOptions {
  /** The revision of the content, 1 by default: another version has other paragraphs, a later date, another ETag. */
  version?: number;
  /**
   * How many paragraphs the text has; by default a number drawn from the id (records 2–6, pages 8–30, the
   * discovery site's pages 4–7).
   */
  paragraphs?: number;
}

export const MAX_VERSION = 100_000;
export const MAX_PARAGRAPHS = 1_000;

export interface Author {
  name: string;
  handle: string;
}

export interface ArticleMeta {
  id: string;
  title: string;
  author: Author;
  section: string;
  tags: string[];
  /** ISO 8601, whole seconds. Does not depend on the version. */
  publishedAt: string;
}

export type Block = { type: 'heading'; text: string } | { type: 'paragraph'; text: string };

export interface Article extends ArticleMeta {
  version: number;
  /** `publishedAt` plus one hour per version after the first: the Last-Modified of the content. */
  updatedAt: string;
  /** Headings and paragraphs in reading order. */
  blocks: Block[];
  paragraphs: string[];
  headings: string[];
}

const EPOCH_MS = Date.UTC(2020, 0, 1);
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Paragraphs per article and sentences per paragraph, [min, max]. */
const SHAPE: Record<
  ContentKind,
  { paragraphs: readonly [number, number]; sentences: readonly [number, number] }
> = {
  record: { paragraphs: [2, 6], sentences: [3, 7] },
  page: { paragraphs: [8, 30], sentences: [4, 9] },
  // A few hundred words: enough for several chunks, few enough that a crawl of the whole site stays quick.
  site: { paragraphs: [4, 7], sentences: [4, 8] },
};

/** Validates content options; throws RangeError naming the option and its range. */
export function checkContentOptions(options: ContentOptions): {
  version: number;
  paragraphs: number | undefined;
} {
  const version = options.version ?? 1;
  if (!Number.isInteger(version) || version < 1 || version > MAX_VERSION) {
    throw new RangeError(`version must be an integer 1..${MAX_VERSION}, got ${version}`);
  }
  const paragraphs = options.paragraphs;
  if (
    paragraphs !== undefined &&
    (!Number.isInteger(paragraphs) || paragraphs < 1 || paragraphs > MAX_PARAGRAPHS)
  ) {
    throw new RangeError(`paragraphs must be an integer 1..${MAX_PARAGRAPHS}, got ${paragraphs}`);
  }
  return { version, paragraphs };
}

export function articleMetaFor(kind: ContentKind, id: string): ArticleMeta {
  const r = randomFor(kind, id, 'meta');
  const title = headline(r);
  const first = r.pick(FIRST_NAMES);
  const last = r.pick(LAST_NAMES);
  const section = r.pick(SECTIONS);
  const tags = new Set<string>();
  const tagCount = r.int(2, 5);
  while (tags.size < tagCount) tags.add(r.pick(TAGS));
  const publishedMs = EPOCH_MS + r.int(0, 5 * 365) * DAY_MS + r.int(0, 86_399) * 1000;
  return {
    id,
    title,
    author: { name: `${first} ${last}`, handle: `${first}.${last}`.toLowerCase() },
    section,
    tags: [...tags],
    publishedAt: new Date(publishedMs).toISOString(),
  };
}

export function articleFor(kind: ContentKind, id: string, options: ContentOptions = {}): Article {
  const { version, paragraphs: wanted } = checkContentOptions(options);
  const meta = articleMetaFor(kind, id);
  const shape = SHAPE[kind];
  const count = wanted ?? randomFor(kind, id, version, 'count').int(...shape.paragraphs);
  const blocks: Block[] = [];
  const paragraphs: string[] = [];
  const headings: string[] = [];
  for (let i = 0; i < count; i++) {
    if (kind === 'page' && i >= 2) {
      const h = randomFor(kind, id, version, 'heading', i);
      if (h.chance(0.22)) {
        const text = sectionHeading(h);
        headings.push(text);
        blocks.push({ type: 'heading', text });
      }
    }
    const text = paragraph(randomFor(kind, id, version, 'paragraph', i), ...shape.sentences);
    paragraphs.push(text);
    blocks.push({ type: 'paragraph', text });
  }
  const updatedMs = Date.parse(meta.publishedAt) + (version - 1) * HOUR_MS;
  return { ...meta, version, updatedAt: new Date(updatedMs).toISOString(), blocks, paragraphs, headings };
}
