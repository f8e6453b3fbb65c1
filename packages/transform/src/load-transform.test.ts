import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TransformModuleError } from './errors.ts';
import { loadTransform, resolveTransformSpecifier } from './load-transform.ts';

const dir = mkdtempSync(join(tmpdir(), 'tributary-plugins-'));
const modules: Record<string, string> = {
  'default-export.mjs': 'export default (record) => ({ chunks: [{ text: record.url }] });',
  'named-export.mjs': 'export function transform(record) { return { chunks: [{ text: record.jobId }] }; }',
  'both.mjs': 'export default () => ({ chunks: [] }); export const transform = 42;',
  'not-a-function.mjs': 'export const transform = { chunks: [] }; export const version = 2;',
  'nothing.mjs': 'export {};',
  'throws.mjs': "throw new Error('plugin setup failed: missing API key');",
  'syntax.mjs': 'export default (record => {',
};
for (const [name, source] of Object.entries(modules)) writeFileSync(join(dir, name), source);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (specifier: string) => loadTransform(specifier, { cwd: dir, setting: 'TRANSFORM_MODULE' });

describe('resolveTransformSpecifier', () => {
  it.each([
    { specifier: './x.ts', expected: pathToFileURL(join(dir, 'x.ts')).href },
    { specifier: '../x.ts', expected: pathToFileURL(join(dir, '..', 'x.ts')).href },
    { specifier: '/opt/plugins/x.js', expected: pathToFileURL('/opt/plugins/x.js').href },
    { specifier: 'file:///opt/plugins/x.js', expected: 'file:///opt/plugins/x.js' },
    // A bare name that is a file under cwd is the file; otherwise it is a package.
    { specifier: 'named-export.mjs', expected: pathToFileURL(join(dir, 'named-export.mjs')).href },
    { specifier: '@acme/transform', expected: '@acme/transform' },
    { specifier: 'acme-transform/html', expected: 'acme-transform/html' },
  ])('$specifier → $expected', ({ specifier, expected }) => {
    expect(resolveTransformSpecifier(specifier, dir)).toBe(expected);
  });
});

describe('loadTransform', () => {
  it('takes the default export, then a named export `transform`', async () => {
    const byDefault = await load('./default-export.mjs');
    expect(await byDefault(recordStub, contextStub)).toEqual({ chunks: [{ text: 'https://x.example/' }] });
    const byName = await load('./named-export.mjs');
    expect(await byName(recordStub, contextStub)).toEqual({ chunks: [{ text: 'job' }] });
    expect(await (await load('./both.mjs'))(recordStub, contextStub)).toEqual({ chunks: [] });
  });

  it('imports a package by name (this one exports a transform, but under another name)', async () => {
    await expect(load('@tributary/transform')).rejects.toThrow(
      /^TRANSFORM_MODULE="@tributary\/transform": expected a default export .*defaultTransform \(a function\)/,
    );
  });

  it.each([
    {
      specifier: './missing.ts',
      message: `TRANSFORM_MODULE="./missing.ts": no such file (${join(dir, 'missing.ts')})`,
    },
    {
      specifier: '@acme/not-installed',
      message: 'TRANSFORM_MODULE="@acme/not-installed": no such package is installed',
    },
    {
      specifier: './not-a-function.mjs',
      message:
        'TRANSFORM_MODULE="./not-a-function.mjs": expected a default export or a named export "transform" that is a ' +
        'function (record, context) => result; it exports transform (an object), version (a number)',
    },
    {
      specifier: './nothing.mjs',
      message: /TRANSFORM_MODULE="\.\/nothing\.mjs": expected a default export .*; it exports nothing$/,
    },
    {
      specifier: './throws.mjs',
      message:
        'TRANSFORM_MODULE="./throws.mjs": the module failed to load: plugin setup failed: missing API key',
    },
    {
      specifier: './syntax.mjs',
      message: /^TRANSFORM_MODULE="\.\/syntax\.mjs": the module failed to load: /,
    },
    { specifier: ' ', message: 'TRANSFORM_MODULE=" ": no module named' },
  ])(
    'names the setting and the problem when $specifier gives no transform',
    async ({ specifier, message }) => {
      const failure = load(specifier);
      await expect(failure).rejects.toBeInstanceOf(TransformModuleError);
      await expect(failure).rejects.toMatchObject({
        specifier,
        retryable: false,
        reason: 'invalid-transform-module',
      });
      await expect(failure).rejects.toThrow(message);
    },
  );
});

const recordStub = {
  jobId: 'job',
  url: 'https://x.example/',
  finalUrl: 'https://x.example/',
  status: 200,
  contentType: 'text/plain',
  fetchedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1,
  bytes: 0,
  body: '',
  bodyEncoding: 'utf8' as const,
};
const contextStub = {
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  config: { chunking: { targetTokens: 10, overlapTokens: 0 } },
  signal: new AbortController().signal,
  body: new Uint8Array(),
  bodyText: () => '',
};
