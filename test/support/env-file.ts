import { readFileSync } from 'node:fs';

/** The `NAME=value` lines of an env file (.env.example, a kustomize env file), in order; comments and blanks skipped. */
export function readEnvFile(path: string): Map<string, string> {
  const variables = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined) variables.set(match[1], match[2] ?? '');
  }
  return variables;
}
