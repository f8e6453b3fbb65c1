import { MalformedContentError } from './errors.ts';
import type { ExtractedContent } from './extracted-content.ts';
import { normaliseText } from './normalise-text.ts';

export interface ExtractJsonOptions {
  /**
   * Dot paths of the fields whose text to keep, in this order, e.g. `['title', 'body', 'author.name']`. A numeric
   * segment indexes an array (`tags.0`); a path through an array without an index collects every element's value.
   * Without it, the whole record is flattened to `key: value` lines.
   */
  readonly fields?: readonly string[];
}

/** Fields that name a record, most specific first; the first one holding text becomes the title. */
const TITLE_FIELDS = ['title', 'headline', 'name'];

/**
 * The text of a parsed JSON value.
 *
 * With `fields`: each selected field's text, in the order given, each a paragraph of its own (missing fields,
 * nulls and empty strings are skipped; an object field is flattened as below). The title is the first of
 * `title`, `headline`, `name` at the top level that holds a string.
 *
 * Without `fields`: the value flattened to readable lines, `key: value`, nested keys joined with dots (`author.name`),
 * array elements indexed (`tags.0`) unless they are all scalars, which are joined on one line (`tags: a, b, c`).
 * A string value keeps its own line breaks and paragraphs.
 * Nulls, empty strings, empty arrays and empty objects are skipped. Keys keep their insertion order, so the same
 * document always reads the same. The title is taken the same way as above.
 *
 * Strings are normalised (`normaliseText`); numbers and booleans are written as JSON writes them.
 */
export function extractJson(value: unknown, options: ExtractJsonOptions = {}): ExtractedContent {
  const title = titleOf(value);
  const paragraphs =
    options.fields === undefined
      ? [flatten(value, '').join('\n')]
      : options.fields.flatMap((path) => select(value, path.split('.')).map((selected) => textOf(selected)));
  const text = normaliseText(paragraphs.filter((paragraph) => paragraph !== '').join('\n\n'));
  return title === undefined ? { text } : { title, text };
}

/** Parses a JSON body, throwing `MalformedContentError` (not retryable) when it is not JSON. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new MalformedContentError(`body is not valid JSON: ${detail}`, { cause: error });
  }
}

function titleOf(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  for (const field of TITLE_FIELDS) {
    const candidate = value[field];
    if (typeof candidate !== 'string') continue;
    const title = normaliseText(candidate).replace(/\s+/g, ' ');
    if (title !== '') return title;
  }
  return undefined;
}

/** The values at a dot path; a segment that meets an array without an index applies to every element. */
function select(value: unknown, path: readonly string[]): unknown[] {
  const [segment, ...rest] = path;
  if (segment === undefined) return value === undefined ? [] : [value];
  if (Array.isArray(value)) {
    if (/^\d+$/.test(segment)) return select(value[Number(segment)], rest);
    return value.flatMap((element) => select(element, path));
  }
  if (isRecord(value) && Object.hasOwn(value, segment)) return select(value[segment], rest);
  return [];
}

/** The text of one selected value: a string as it is, a scalar as JSON writes it, a structure flattened. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return flatten(value, '').join('\n');
}

/** `key: value` lines for every non-empty leaf under `value`, keys prefixed with `prefix`. */
function flatten(value: unknown, prefix: string): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) {
    if (value.every(isScalar)) {
      const joined = value
        .map((element) => scalarText(element).replace(/\s+/g, ' '))
        .filter((text) => text !== '')
        .join(', ');
      return joined === '' ? [] : [line(prefix, joined)];
    }
    return value.flatMap((element, index) => flatten(element, join(prefix, String(index))));
  }
  if (isRecord(value)) {
    return Object.entries(value).flatMap(([key, child]) => flatten(child, join(prefix, key)));
  }
  const text = scalarText(value);
  return text === '' ? [] : [line(prefix, text)];
}

function line(key: string, text: string): string {
  return key === '' ? text : `${key}: ${text}`;
}

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return normaliseText(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
