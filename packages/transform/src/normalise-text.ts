// Line terminators other than LF: CRLF, CR, NEL, LINE SEPARATOR, vertical tab and form feed (a page break).
const LINE_BREAKS = /\r\n?|[\u0085\u2028\v\f]/g;
// PARAGRAPH SEPARATOR says "new paragraph" outright.
const PARAGRAPH_SEPARATOR = /\u2029/g;
// C0 and C1 controls except tab (a space, below) and LF; plus invisible format characters that only break words
// apart for a tokenizer: soft hyphen, zero-width space, word joiner, BOM. ZWJ and ZWNJ stay: scripts and emoji need them.
const STRIPPED = /[[\p{Cc}\u00ad\u200b\u2060\ufeff]--[\t\n]]/gv;
// Tab and the Unicode space separators (no-break, en/em, thin, ideographic, ...).
const SPACE_RUNS = /[\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+/g;
const LINE_EDGE_SPACES = /^ | $/gm;
const EXTRA_BLANK_LINES = /\n{3,}/g;

/**
 * Cleans text for chunking and embedding, deterministically and idempotently
 * (`normaliseText(normaliseText(x)) === normaliseText(x)`):
 *
 * - lone surrogates become U+FFFD, so the text is well-formed UTF-16 and encodes to UTF-8 losslessly;
 * - every line ending becomes `\n` (U+2029 becomes a paragraph break);
 * - control characters except `\n` are removed (a tab counts as a space), as are soft hyphens and zero-width spaces;
 * - runs of spaces and tabs (including no-break and other Unicode spaces) become one space; lines are trimmed;
 * - at most one blank line separates paragraphs; the text is trimmed;
 * - Unicode NFC.
 *
 * NFC, not NFKC: NFC only merges canonically equivalent sequences (`e` + combining acute → `é`), so nothing a
 * reader sees changes. NFKC also folds compatibility characters, which changes meaning in the documents we ingest:
 * `x²` becomes `x2`, `H₂O` becomes `H2O`, `½` becomes `1⁄2`, `™` becomes `TM`. Chunks are shown back to people as
 * citations and sent to embedding models that handle these characters, so we keep them. The one compatibility fold
 * that matters for chunking, Unicode spaces to a plain space, is done explicitly above.
 */
export function normaliseText(text: string): string {
  return text
    .toWellFormed()
    .replace(LINE_BREAKS, '\n')
    .replace(PARAGRAPH_SEPARATOR, '\n\n')
    .replace(STRIPPED, '')
    .normalize('NFC')
    .replace(SPACE_RUNS, ' ')
    .replace(LINE_EDGE_SPACES, '')
    .replace(EXTRA_BLANK_LINES, '\n\n')
    .trim();
}
