import type { ExtractedContent } from './extracted-content.ts';
import { normaliseText } from './normalise-text.ts';

export interface ExtractTextOptions {
  /** `markdown` looks for a title in the first heading; `plain` (the default) has no title. */
  readonly format?: 'plain' | 'markdown';
}

const ATX_HEADING = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const INDENTED = /^(?: {4}|\t)/;

/**
 * Plain text and Markdown as they are, normalised (`normaliseText`): Markdown syntax is kept, since embedding
 * models read it well and it carries structure. The title of Markdown is its first heading (ATX `# Title` or
 * setext `Title` over `===`), found outside code blocks and front matter, with inline markup removed.
 */
export function extractText(text: string, options: ExtractTextOptions = {}): ExtractedContent {
  const normalised = normaliseText(text);
  const title = options.format === 'markdown' ? firstMarkdownHeading(text) : undefined;
  return title === undefined ? { text: normalised } : { title, text: normalised };
}

function firstMarkdownHeading(markdown: string): string | undefined {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  let i = skipFrontMatter(lines);
  let fence: string | undefined;
  let previous = ''; // the previous line when it can be the text of a setext heading
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fenceOpen = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (fenceOpen !== undefined && fenceOpen[0] === fence[0] && fenceOpen.length >= fence.length)
        fence = undefined;
      continue;
    }
    if (fenceOpen !== undefined) {
      fence = fenceOpen;
      previous = '';
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx !== null) {
      const title = inlineText(atx[1] ?? '');
      if (title !== '') return title;
      previous = '';
      continue;
    }
    if (previous !== '' && SETEXT_UNDERLINE.test(line)) {
      const title = inlineText(previous);
      if (title !== '') return title;
    }
    previous = line.trim() === '' || INDENTED.test(line) ? '' : line;
  }
  return undefined;
}

/** The index of the first line after YAML (`---`) or TOML (`+++`) front matter, 0 without any. */
function skipFrontMatter(lines: readonly string[]): number {
  const delimiter = lines[0]?.trimEnd();
  if (delimiter !== '---' && delimiter !== '+++') return 0;
  const end = lines.findIndex(
    (line, i) => i > 0 && (line.trimEnd() === delimiter || line.trimEnd() === '...'),
  );
  return end < 0 ? 0 : end + 1;
}

/** Heading text without inline markup: links and images become their text; emphasis and code marks go. */
function inlineText(markdown: string): string {
  const text = markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*`]+/g, '')
    .replace(/(^|\s)_+|_+(?=\s|$)/g, '$1');
  return normaliseText(text).replace(/\s+/g, ' ');
}
