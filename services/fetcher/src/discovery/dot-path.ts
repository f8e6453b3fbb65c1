/**
 * A value inside parsed JSON named by a dot path: `data.items`, `links.next`, `results.0.url` (a number
 * indexes an array). The empty path is the value itself. Only own properties are read, so a path such as
 * `constructor` or `__proto__` finds nothing rather than something of Object.prototype.
 */
export function readDotPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
