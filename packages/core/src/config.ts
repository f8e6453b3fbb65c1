import { z } from 'zod';
import { ConfigError } from './errors.ts';

/**
 * One environment variable: how to parse it, its default, and the words used when it is wrong.
 * Settings are plain data so that the README's configuration table and the validation come from one place.
 */
export interface Setting<T> {
  readonly env: string;
  readonly description: string;
  /** What a valid value looks like, in words: "an integer 1..10000". */
  readonly expected: string;
  /** The default as it would be written in the environment; undefined means the variable is required. */
  readonly defaultRaw: string | undefined;
  readonly schema: z.ZodType<T>;
  /** Secrets are never echoed back in error messages. */
  readonly secret: boolean;
}

interface Common<T> {
  description: string;
  default?: T;
  secret?: boolean;
}

function make<T>(
  env: string,
  expected: string,
  schema: z.ZodType<T>,
  options: Common<T>,
  render: (value: T) => string = String,
): Setting<T> {
  return {
    env,
    description: options.description,
    expected,
    defaultRaw: options.default === undefined ? undefined : render(options.default),
    schema,
    secret: options.secret ?? false,
  };
}

const INTEGER = /^[-+]?\d+$/;

/** " 1..10000" when bounds are given, for the words of an error. */
function rangeText(options: { min?: number; max?: number }): string {
  return options.min !== undefined || options.max !== undefined
    ? ` ${options.min ?? '…'}..${options.max ?? '…'}`
    : '';
}

/** A comma-separated value split into trimmed, non-blank items. */
const commaSeparated = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export const setting = {
  int(env: string, options: Common<number> & { min?: number; max?: number }): Setting<number> {
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    const range = rangeText(options);
    const schema = z
      .string()
      .trim()
      .regex(INTEGER)
      .transform(Number)
      .pipe(z.number().int().min(min).max(max));
    return make(env, `an integer${range}`, schema, options);
  },

  number(env: string, options: Common<number> & { min?: number; max?: number }): Setting<number> {
    const min = options.min ?? Number.NEGATIVE_INFINITY;
    const max = options.max ?? Number.POSITIVE_INFINITY;
    const range = rangeText(options);
    const schema = z.string().trim().regex(NUMBER).transform(Number).pipe(z.number().min(min).max(max));
    return make(env, `a number${range}`, schema, options);
  },

  string(env: string, options: Common<string> & { nonEmpty?: boolean }): Setting<string> {
    const schema = options.nonEmpty ? z.string().min(1) : z.string();
    return make(env, options.nonEmpty ? 'a non-empty string' : 'a string', schema, options);
  },

  bool(env: string, options: Common<boolean>): Setting<boolean> {
    const schema = z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
      .transform((v) => v === 'true' || v === '1' || v === 'yes');
    return make(env, 'true or false', schema, options);
  },

  oneOf<const V extends readonly [string, ...string[]]>(
    env: string,
    values: V,
    options: Common<V[number]>,
  ): Setting<V[number]> {
    const schema = z.string().trim().pipe(z.enum(values)) as unknown as z.ZodType<V[number]>;
    return make(env, `one of ${values.join(', ')}`, schema, options);
  },

  /** A comma-separated list; blank items are dropped. */
  list(env: string, options: Common<string[]> & { nonEmpty?: boolean }): Setting<string[]> {
    const items = commaSeparated;
    const schema = options.nonEmpty ? items.pipe(z.array(z.string()).min(1)) : items;
    return make(
      env,
      options.nonEmpty ? 'a comma-separated list of at least one item' : 'a comma-separated list',
      schema,
      options,
      (v) => v.join(','),
    );
  },

  /** A comma-separated list of integers, e.g. delays in milliseconds. */
  intList(env: string, options: Common<number[]> & { min?: number; max?: number }): Setting<number[]> {
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    const schema = commaSeparated.pipe(
      z.array(z.string().regex(INTEGER).transform(Number).pipe(z.number().int().min(min).max(max))).min(1),
    );
    const range = rangeText(options);
    return make(env, `a comma-separated list of integers${range}`, schema, options, (v) => v.join(','));
  },

  /** A comma-separated list of URLs with one of the given schemes. */
  urls(env: string, protocols: readonly string[], options: Common<string[]>): Setting<string[]> {
    const url = z.string().refine((s) => {
      try {
        return protocols.includes(new URL(s).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    });
    const schema = commaSeparated.pipe(z.array(url).min(1));
    return make(env, `a comma-separated list of ${protocols.join('/')} URLs`, schema, options, (v) =>
      v.join(','),
    );
  },
};

export type ConfigSpec = Record<string, Setting<unknown>>;
export type ConfigOf<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

function shown(raw: string, secret: boolean): string {
  return secret ? '"<redacted>"' : JSON.stringify(raw);
}

/**
 * A rule between settings that no single setting can check (a maximum below its base, an overlap above the
 * size it overlaps): the problem in words, naming every variable involved, or undefined when the rule holds.
 */
export type ConfigRule<C> = (config: C) => string | undefined;

/**
 * Reads every setting of `spec` from `env`, applying defaults, then checks `rules` across them. All problems are
 * reported together, so a user fixes a broken deployment in one pass instead of one variable per restart.
 */
export function loadConfig<S extends ConfigSpec>(
  spec: S,
  env: NodeJS.ProcessEnv = process.env,
  rules: readonly ConfigRule<ConfigOf<S>>[] = [],
): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(spec)) {
    const given = env[s.env];
    const raw = given === undefined || given === '' ? s.defaultRaw : given;
    if (raw === undefined) {
      problems.push(`${s.env} is required: expected ${s.expected} (${s.description})`);
      continue;
    }
    const parsed = s.schema.safeParse(raw);
    if (parsed.success) {
      out[key] = parsed.data;
    } else {
      problems.push(`${s.env} must be ${s.expected}, got ${shown(raw, s.secret)}`);
    }
  }
  // Rules read parsed values, so they run only when every single setting is valid.
  if (problems.length === 0) {
    for (const rule of rules) {
      const problem = rule(out as ConfigOf<S>);
      if (problem !== undefined) problems.push(problem);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

/**
 * The rule that the setting `upper` is not below the setting `lower` (a backoff's maximum and its base);
 * `unlessZero` exempts an `upper` of 0 where 0 means "derive it".
 */
export function notBelow<S extends ConfigSpec>(
  spec: S,
  upper: keyof S & string,
  lower: keyof S & string,
  options: { unlessZero?: boolean } = {},
): ConfigRule<ConfigOf<S>> {
  const upperEnv = spec[upper]?.env ?? upper;
  const lowerEnv = spec[lower]?.env ?? lower;
  return (config) => {
    const high = config[upper] as number;
    const low = config[lower] as number;
    if (high >= low || (options.unlessZero && high === 0)) return undefined;
    const zero = options.unlessZero ? '0 or ' : '';
    return `${upperEnv} must be ${zero}at least ${lowerEnv} (${low}), got "${high}"`;
  };
}

/** Rows for the README's configuration table. */
export function describeConfig(
  spec: ConfigSpec,
): { env: string; default: string; expected: string; description: string }[] {
  return Object.values(spec).map((s) => ({
    env: s.env,
    default: s.defaultRaw ?? '(required)',
    expected: s.expected,
    description: s.description,
  }));
}
