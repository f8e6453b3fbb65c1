import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TransformModuleError } from './errors.ts';
import type { Transform } from './plugin.ts';

export interface LoadTransformOptions {
  /** What relative paths resolve against; the process's working directory by default. */
  readonly cwd?: string;
  /** How errors name the setting the specifier came from, e.g. `TRANSFORM_MODULE`. */
  readonly setting?: string;
}

/**
 * What `import()` is given for a transform module: a file URL for a path, the name itself for a package.
 * A path is what looks like one (`./x.ts`, `../x.js`, `/abs/x.ts`, `file:` URLs) or names a file that exists
 * under `cwd` (`examples/x.ts`); anything else is a package name (`@acme/transform`, `acme-transform/html`),
 * resolved from node_modules the usual way.
 */
export function resolveTransformSpecifier(specifier: string, cwd: string = process.cwd()): string {
  if (specifier.startsWith('file:')) return specifier;
  const looksLikePath =
    specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || isAbsolute(specifier);
  const path = resolve(cwd, specifier);
  if (looksLikePath || existsSync(path)) return pathToFileURL(path).href;
  return specifier;
}

/**
 * Imports a transform module and returns its transform: the default export, or else the named export
 * `transform`, which must be a function `(record, context) => TransformResult | Promise<TransformResult>`.
 * Throws `TransformModuleError` naming the setting, the module, and what is wrong: it cannot be found, it fails
 * to load (its own error is the cause), or it exports no function.
 */
export async function loadTransform(
  specifier: string,
  options: LoadTransformOptions = {},
): Promise<Transform> {
  const label =
    options.setting === undefined ? `transform module "${specifier}"` : `${options.setting}="${specifier}"`;
  if (specifier.trim() === '') throw new TransformModuleError(specifier, `${label}: no module named`);
  const target = resolveTransformSpecifier(specifier, options.cwd);
  let module: Record<string, unknown>;
  try {
    module = (await import(target)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' && target === specifier) {
      throw new TransformModuleError(specifier, `${label}: no such package is installed`);
    }
    if (code === 'ERR_MODULE_NOT_FOUND' && target.startsWith('file:') && !existsSync(new URL(target))) {
      throw new TransformModuleError(specifier, `${label}: no such file (${fileURLToPath(target)})`);
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new TransformModuleError(specifier, `${label}: the module failed to load: ${detail}`, {
      cause: error,
    });
  }
  const candidate = typeof module.default === 'function' ? module.default : module.transform;
  if (typeof candidate === 'function') return candidate as Transform;
  const exported = Object.keys(module);
  const found =
    exported.length === 0
      ? 'it exports nothing'
      : `it exports ${exported.map((name) => `${name} (${describe(module[name])})`).join(', ')}`;
  throw new TransformModuleError(
    specifier,
    `${label}: expected a default export or a named export "transform" that is a function (record, context) => result; ${found}`,
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
