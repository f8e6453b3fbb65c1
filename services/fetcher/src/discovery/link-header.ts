import { documentUrl, resolveFoundUrl } from './found-url.ts';

/**
 * The `Link` header (RFC 8288 §3): `<target>; rel="next"; title="x", <other>; rel=prev`. Commas separate
 * links but may also sit inside a target or a quoted value, so the header is scanned, not split.
 */

interface LinkValue {
  target: string;
  /** Parameter names lower-cased; only the first occurrence of each counts (§3.3 says so for rel). */
  params: Map<string, string>;
}

const WHITESPACE = /[ \t]/;
/** Ends a parameter name or an unquoted value. */
const TOKEN_END = /[\s;,=]/;

function parseLinks(header: string): LinkValue[] {
  const links: LinkValue[] = [];
  let i = 0;
  const skipWhitespace = () => {
    while (i < header.length && WHITESPACE.test(header.charAt(i))) i += 1;
  };
  const readToken = () => {
    const start = i;
    while (i < header.length && !TOKEN_END.test(header.charAt(i))) i += 1;
    return header.slice(start, i);
  };
  const readQuoted = () => {
    let value = '';
    i += 1;
    while (i < header.length && header.charAt(i) !== '"') {
      if (header.charAt(i) === '\\') i += 1;
      value += header.charAt(i);
      i += 1;
    }
    i += 1;
    return value;
  };

  while (i < header.length) {
    while (i < header.length && (header.charAt(i) === ',' || WHITESPACE.test(header.charAt(i)))) i += 1;
    if (i >= header.length) break;
    const close = header.charAt(i) === '<' ? header.indexOf('>', i) : -1;
    if (close === -1) {
      // Not a link-value: skip it up to the next comma rather than give up on the links after it.
      const comma = header.indexOf(',', i);
      i = comma === -1 ? header.length : comma;
      continue;
    }
    const link: LinkValue = { target: header.slice(i + 1, close), params: new Map() };
    i = close + 1;
    for (;;) {
      skipWhitespace();
      if (header.charAt(i) !== ';') break;
      i += 1;
      skipWhitespace();
      const name = readToken().toLowerCase();
      skipWhitespace();
      let value = '';
      if (header.charAt(i) === '=') {
        i += 1;
        skipWhitespace();
        value = header.charAt(i) === '"' ? readQuoted() : readToken();
      }
      if (name !== '' && !link.params.has(name)) link.params.set(name, value);
    }
    links.push(link);
    // Anything left before the next comma is not part of the grammar; the link read so far stands.
    const comma = header.indexOf(',', i);
    i = comma === -1 ? header.length : comma;
  }
  return links;
}

/**
 * The next page named by the response's `Link` header(s), resolved against the URL it answered, or undefined
 * when there is none. `rel` may hold several relation types (`rel="next last"`), matched case-insensitively.
 * A link with an `anchor` is about another resource than this response, so it does not count.
 */
export function nextFromLinkHeader(
  value: string | readonly string[] | undefined,
  baseUrl: string | URL,
): string | undefined {
  if (value === undefined) return undefined;
  const header = typeof value === 'string' ? value : value.join(', ');
  const base = documentUrl(baseUrl);
  for (const link of parseLinks(header)) {
    const rels = (link.params.get('rel') ?? '').toLowerCase().split(/\s+/);
    if (!rels.includes('next')) continue;
    const anchor = link.params.get('anchor');
    if (anchor !== undefined && resolveFoundUrl(anchor, base) !== resolveFoundUrl(base.href, base)) continue;
    const next = resolveFoundUrl(link.target, base);
    if (next !== undefined) return next;
  }
  return undefined;
}
