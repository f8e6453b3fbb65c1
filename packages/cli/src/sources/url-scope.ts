import { CliError, EXIT } from '../cli-errors.ts';

/** A URL prefix from the command line: an http(s) URL, kept as written (sources match it by string prefix). */
export function parseUrlPrefix(value: string, flag: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new CliError(
      'usage',
      `${flag} must be an http(s) URL prefix such as http://127.0.0.1:8080/pages/, got "${value}"`,
      EXIT.usage,
    );
  }
  return value;
}

/** Whether the URL lies under one of the prefixes. */
export function isUnder(url: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => url.startsWith(prefix));
}

/** The prefixes without those another one already covers, each once: what to read so no source is read twice. */
export function outermostScopes(prefixes: readonly string[]): string[] {
  const distinct = [...new Set(prefixes)].sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const prefix of distinct) if (!isUnder(prefix, kept)) kept.push(prefix);
  return kept;
}
