/** What an extractor gets out of a body: its text, and what the body says about itself. */
export interface ExtractedContent {
  /** The document's title, when it has one. */
  readonly title?: string;
  /** The readable text, normalised (`normaliseText`), paragraphs separated by blank lines; may be empty. */
  readonly text: string;
  /** The canonical URL the document declares, absolute (http or https). */
  readonly canonicalUrl?: string;
  /** The document's language as a canonical BCP 47 tag, e.g. `en-GB`. */
  readonly lang?: string;
}
