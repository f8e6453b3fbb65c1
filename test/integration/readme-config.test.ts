import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_TABLES, README, renderReadme } from '../../tools/config-tables.ts';

describe('README configuration tables', () => {
  it('list every variable of every service with its default, as the settings declare them', () => {
    const readme = readFileSync(README, 'utf8');
    // A mismatch means a setting changed without its table: `npm run docs:config` rewrites them.
    expect(readme).toBe(renderReadme(readme));
    for (const spec of Object.values(CONFIG_TABLES)) {
      for (const setting of Object.values(spec)) expect(readme).toContain(`| \`${setting.env}\` |`);
    }
  });
});
