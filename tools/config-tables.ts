// The README's configuration tables, generated from the settings themselves so that they cannot drift:
//   node tools/config-tables.ts          rewrites the tables in README.md
//   node tools/config-tables.ts --check  exits 1 and names the tables that differ
// Each table stands between `<!-- config:NAME -->` and `<!-- /config:NAME -->` in the README.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ConfigSpec, describeConfig, serviceSettings } from '@tributary/core';
import { demoSettings } from '@tributary/demo-api';
import { embedderSettings } from '@tributary/embedder';
import { fetcherSettings } from '@tributary/fetcher';
import { messagingSettings } from '@tributary/messaging';
import { transformerSettings } from '@tributary/transformer';
import { writerSettings } from '@tributary/writer';

export const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** Every table of the README and the settings it lists. */
export const CONFIG_TABLES: Readonly<Record<string, ConfigSpec>> = {
  common: { ...serviceSettings, ...messagingSettings },
  fetcher: fetcherSettings,
  transformer: transformerSettings,
  embedder: embedderSettings,
  writer: writerSettings,
  'demo-api': demoSettings,
};

/** One table in Markdown: variable, default, what it means and what a valid value is. */
export function renderTable(spec: ConfigSpec): string {
  const rows = describeConfig(spec).map((row) => {
    const shown = row.default === '' ? '(empty)' : `\`${row.default}\``;
    return `| \`${row.env}\` | ${shown} | ${escapeCell(row.description)} (${escapeCell(row.expected)}) |`;
  });
  return ['| variable | default | meaning (valid values) |', '|---|---|---|', ...rows].join('\n');
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** The README with every marked table regenerated; throws naming a table whose markers are missing. */
export function renderReadme(readme: string): string {
  let out = readme;
  for (const [name, spec] of Object.entries(CONFIG_TABLES)) {
    const open = `<!-- config:${name} -->`;
    const close = `<!-- /config:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md has no ${open} … ${close} block`);
    out = `${out.slice(0, start + open.length)}\n${renderTable(spec)}\n${out.slice(end)}`;
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(README, 'utf8');
  const rendered = renderReadme(readme);
  if (process.argv.includes('--check')) {
    if (rendered !== readme) {
      process.stderr.write(
        'README.md: the configuration tables differ from the settings; run npm run docs:config\n',
      );
      process.exitCode = 1;
    }
  } else if (rendered !== readme) {
    writeFileSync(README, rendered);
    process.stdout.write('README.md: configuration tables rewritten\n');
  }
}
