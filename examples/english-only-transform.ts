// An example transform plugin: the default RAG transform, for English sources only.
//
//   TRANSFORM_MODULE=./examples/english-only-transform.ts node services/transformer/src/main.ts
//
// A source's language is the `lang` (or `language`) field of a JSON record, or the `lang` an HTML page declares
// (`<html lang="en-GB">`). A source in another language, or declaring none, gives no Documents: the service still
// publishes its (empty) result, so the writer removes what an earlier English version of it left.
// Every Document kept carries `meta.lang`.
import type { RawRecord } from '@tributary/contracts';
import {
  defaultTransform,
  defineTransform,
  parseJson,
  type TransformContext,
  type TransformResult,
} from '@tributary/transform';

/** The primary language subtag kept (BCP 47, case-insensitive): `en` keeps `en`, `en-GB`, `en-US`, ... */
const KEEP = 'en';

export default defineTransform(async (record, context): Promise<TransformResult> => {
  const declared = jsonLanguage(record, context);
  // A JSON record that says it is in another language is not even extracted.
  if (declared !== undefined && !isKept(declared)) return skip(context, declared);
  const result = await defaultTransform(record, context);
  const lang = declared ?? result.meta?.lang;
  if (!isKept(lang)) return skip(context, lang);
  return { ...result, meta: { ...result.meta, lang } };
});

function isKept(lang: unknown): lang is string {
  return typeof lang === 'string' && lang.split('-')[0]?.toLowerCase() === KEEP;
}

function skip(context: TransformContext, lang: unknown): TransformResult {
  context.logger.info({ lang: lang ?? null }, 'not an English source: no documents');
  return { chunks: [] };
}

/** The `lang` or `language` field of a JSON record; undefined for other content (HTML's comes from the page). */
function jsonLanguage(record: RawRecord, context: TransformContext): string | undefined {
  if (!/[/+]json\b/i.test(record.contentType)) return undefined;
  const value = parseJson(context.bodyText());
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { lang, language } = value as Record<string, unknown>;
  if (typeof lang === 'string') return lang;
  return typeof language === 'string' ? language : undefined;
}
