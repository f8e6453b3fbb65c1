import { InvalidParameterError } from './errors.ts';

/** Typed readers for query parameters; each throws InvalidParameterError naming the parameter and the range. */

const INTEGER = /^\d+$/;
const NUMBER = /^(\d+\.?\d*|\.\d+)$/;

function boundedParam(
  query: URLSearchParams,
  name: string,
  range: { min: number; max: number },
  form: { pattern: RegExp; words: string },
): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!form.pattern.test(raw) || value < range.min || value > range.max) {
    throw new InvalidParameterError(name, `${form.words} ${range.min}..${range.max}`, raw);
  }
  return value;
}

export function intParam(
  query: URLSearchParams,
  name: string,
  range: { min: number; max: number },
): number | undefined {
  return boundedParam(query, name, range, { pattern: INTEGER, words: 'an integer' });
}

export function numberParam(
  query: URLSearchParams,
  name: string,
  range: { min: number; max: number },
): number | undefined {
  return boundedParam(query, name, range, { pattern: NUMBER, words: 'a number' });
}

/** `?hang`, `?hang=1`, `?hang=true` are true; `?hang=0`, `?hang=false` are false; absent is undefined. */
export function boolParam(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  switch (raw.toLowerCase()) {
    case '':
    case '1':
    case 'true':
    case 'yes':
      return true;
    case '0':
    case 'false':
    case 'no':
      return false;
    default:
      throw new InvalidParameterError(name, '1, 0, true or false', raw);
  }
}

export function oneOfParam<const V extends readonly string[]>(
  query: URLSearchParams,
  name: string,
  values: V,
): V[number] | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!values.includes(raw)) throw new InvalidParameterError(name, `one of ${values.join(', ')}`, raw);
  return raw;
}
