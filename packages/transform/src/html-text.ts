/**
 * The part of the DOM this package reads and edits. linkedom's documents provide it; declaring it here keeps the
 * code typed without pulling the DOM library types into every package of the workspace.
 */
export interface HtmlNode {
  readonly nodeType: number;
  readonly nodeValue: string | null;
  readonly childNodes: ArrayLike<HtmlNode>;
}

export interface HtmlElement extends HtmlNode {
  readonly localName: string;
  getAttribute(name: string): string | null;
  querySelectorAll(selectors: string): ArrayLike<HtmlElement>;
  remove(): void;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const DOCUMENT_NODE = 9;
const DOCUMENT_FRAGMENT_NODE = 11;

/** Elements whose content is not text a reader sees. */
const SKIPPED = new Set([
  'audio',
  'button',
  'canvas',
  'datalist',
  'embed',
  'head',
  'iframe',
  'img',
  'input',
  'link',
  'map',
  'meta',
  'noscript',
  'object',
  'option',
  'picture',
  'script',
  'select',
  'style',
  'svg',
  'template',
  'textarea',
  'title',
  'video',
]);

/** Elements that start a paragraph of their own: a blank line before and after. */
const BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'center',
  'details',
  'dialog',
  'dir',
  'div',
  'dl',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'html',
  'legend',
  'main',
  'menu',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'ul',
]);

/** Elements that start a line of their own within a block: list items, definition terms, table rows. */
const LINES = new Set(['dd', 'dt', 'li', 'tr']);

/** Table cells: separated by a space on their row. */
const CELLS = new Set(['td', 'th']);

/**
 * The text of a DOM subtree as a reader sees its structure: block elements (paragraphs, headings, lists, sections)
 * become paragraphs separated by blank lines, list items and table rows become lines, `<br>` breaks a line, and
 * source whitespace inside text collapses to single spaces (except in `<pre>`). Scripts, styles, form controls,
 * media and elements marked `hidden` or `aria-hidden="true"` contribute nothing. The result is not yet normalised:
 * pass it through `normaliseText`.
 */
export function htmlText(root: HtmlNode): string {
  const writer = new TextWriter();
  writeNode(root, writer, false);
  return writer.toString();
}

const LINE = 1;
const PARAGRAPH = 2;

/** Collects text; breaks between blocks merge (the strongest wins) and are written only between texts. */
class TextWriter {
  readonly #parts: string[] = [];
  #pendingBreak = 0;

  text(value: string): void {
    if (this.#pendingBreak > 0) {
      if (value.trim() === '') return;
      if (this.#parts.length > 0) this.#parts.push(this.#pendingBreak === PARAGRAPH ? '\n\n' : '\n');
      this.#pendingBreak = 0;
    }
    this.#parts.push(value);
  }

  /** A boundary of a block (`PARAGRAPH`) or of a line-level element (`LINE`). */
  boundary(kind: typeof LINE | typeof PARAGRAPH): void {
    this.#pendingBreak = Math.max(this.#pendingBreak, kind);
  }

  /** An explicit `<br>`: always a line break, so that two of them make a blank line. */
  lineBreak(): void {
    this.#parts.push('\n');
  }

  toString(): string {
    return this.#parts.join('');
  }
}

function writeNode(node: HtmlNode, writer: TextWriter, preformatted: boolean): void {
  if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) {
    const value = node.nodeValue ?? '';
    writer.text(preformatted ? value : value.replace(/[ \t\n\r\f]+/g, ' '));
    return;
  }
  let name = '';
  if (node.nodeType === ELEMENT_NODE) {
    const element = node as HtmlElement;
    name = element.localName;
    if (SKIPPED.has(name) || element.getAttribute('hidden') !== null) return;
    if (element.getAttribute('aria-hidden') === 'true') return;
    if (name === 'br') {
      writer.lineBreak();
      return;
    }
  } else if (node.nodeType !== DOCUMENT_NODE && node.nodeType !== DOCUMENT_FRAGMENT_NODE) {
    return; // comments, doctypes, processing instructions
  }
  const boundary = BLOCKS.has(name) ? PARAGRAPH : LINES.has(name) ? LINE : 0;
  if (boundary !== 0) writer.boundary(boundary);
  const inPre = preformatted || name === 'pre';
  const children = node.childNodes;
  for (let i = 0; i < children.length; i++) {
    const child = children[i];
    if (child !== undefined) writeNode(child, writer, inPre);
  }
  if (boundary !== 0) writer.boundary(boundary);
  else if (CELLS.has(name)) writer.text(' ');
}
