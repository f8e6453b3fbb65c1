import { HEADERS } from '@tributary/contracts';
import type { z } from 'zod';

export type MessageHeaders = Record<string, unknown>;

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses and validates a message body; a failure says what was wrong, for the dead letter's reason. */
export function decodeMessage<T>(content: Buffer, schema: z.ZodType<T>): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `body is not JSON: ${(err as Error).message}` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, error: `body does not match the schema: ${problems}` };
}

/** The stage's attempt number carried in `x-attempt`; 1 when absent or garbled. */
export function readAttempt(headers: MessageHeaders): number {
  const raw = headers[HEADERS.attempt];
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  return Number.isInteger(value) && value >= 1 ? value : 1;
}
