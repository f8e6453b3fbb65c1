import { XMLParser } from 'fast-xml-parser';
import { UnexpectedDocumentError } from './errors.ts';

/**
 * XML read the way discovery needs it (sitemaps, RSS, Atom): elements by local name, so a sitemap written
 * with a prefix (`<sm:urlset>`) reads like one without; text trimmed; attributes as strings. fast-xml-parser
 * is lenient with XML that is not well-formed, as feeds and sitemaps in the wild often are not, and its
 * defaults bound entity expansion.
 */

const ATTRIBUTE_PREFIX = '@_';
const TEXT = '#text';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  textNodeName: TEXT,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Numeric character references (`&#38;` in a next link's query) are XML itself, yet fast-xml-parser decodes
  // them only with this option, which also knows HTML's named entities (harmless in a URL or a title).
  htmlEntities: true,
  // Every element as a list of its occurrences, so one `<url>` and many read alike.
  isArray: (_name, _path, _isLeaf, isAttribute) => !isAttribute,
});

/**
 * One element as fast-xml-parser gives it: a string when it holds only text (or nothing), otherwise an object
 * of its attributes (`@_name`), its text (`#text`) and a list per child element name.
 */
type RawElement = string | Record<string, unknown>;

export class XmlElement {
  readonly name: string;
  readonly #raw: RawElement;

  constructor(name: string, raw: RawElement) {
    this.name = name;
    this.#raw = raw;
  }

  /** The child elements with this local name, in document order. */
  children(name: string): XmlElement[] {
    if (typeof this.#raw === 'string' || name.startsWith(ATTRIBUTE_PREFIX) || name === TEXT) return [];
    const list = Object.hasOwn(this.#raw, name) ? this.#raw[name] : undefined;
    return Array.isArray(list) ? list.filter(isRawElement).map((raw) => new XmlElement(name, raw)) : [];
  }

  /** The element's own text, trimmed; '' when it has none. */
  text(): string {
    if (typeof this.#raw === 'string') return this.#raw;
    const text = this.#raw[TEXT];
    return typeof text === 'string' ? text : '';
  }

  /** An attribute by local name (`xml:base` is `base`). */
  attribute(name: string): string | undefined {
    if (typeof this.#raw === 'string') return undefined;
    const value = this.#raw[ATTRIBUTE_PREFIX + name];
    return typeof value === 'string' ? value : undefined;
  }
}

function isRawElement(value: unknown): value is RawElement {
  return typeof value === 'string' || (typeof value === 'object' && value !== null);
}

function rootOf(node: Record<string, unknown>): XmlElement | undefined {
  for (const [name, list] of Object.entries(node)) {
    // The XML declaration and processing instructions come out as `?xml`, `?xml-stylesheet`.
    if (name.startsWith('?') || name.startsWith(ATTRIBUTE_PREFIX) || name === TEXT || !Array.isArray(list))
      continue;
    const raw: unknown = list[0];
    if (!isRawElement(raw)) continue;
    // A lower-case `<!doctype html>` is read as an element holding the rest of the document.
    if (name.startsWith('!')) {
      const inner = typeof raw === 'string' ? undefined : rootOf(raw);
      if (inner !== undefined) return inner;
      continue;
    }
    return new XmlElement(name, raw);
  }
  return undefined;
}

/**
 * The document's root element, or undefined when the text holds no element at all (empty, plain text, JSON).
 * `what` names the document in the error thrown when the parser refuses the text outright.
 */
export function parseXmlRoot(text: string, what: string): XmlElement | undefined {
  let document: unknown;
  try {
    document = parser.parse(text);
  } catch (err) {
    throw new UnexpectedDocumentError(
      `${what} is not readable XML: ${(err as Error).message.slice(0, 200)}`,
      {
        cause: err,
      },
    );
  }
  return typeof document === 'object' && document !== null
    ? rootOf(document as Record<string, unknown>)
    : undefined;
}
