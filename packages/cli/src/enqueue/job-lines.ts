import { type FetchJob, FetchJobSchema } from '@tributary/contracts';

/** What one line of a job file says: nothing (blank, comment), a job, or why it is not one. */
export type JobLine =
  | { kind: 'skip' }
  | { kind: 'job'; job: FetchJob }
  | { kind: 'invalid'; line: number; problem: string };

/**
 * Reads one line of a job file: a URL, or a FetchJob as JSON. Blank lines and `#` comments are skipped. The job
 * is validated as the fetcher will validate it, its id derived when it has none, and `batch` set to the batch
 * of this enqueue (whatever the line said).
 */
export function parseJobLine(text: string, line: number, batch: string): JobLine {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return { kind: 'skip' };
  let candidate: unknown;
  if (trimmed.startsWith('{')) {
    try {
      candidate = JSON.parse(trimmed);
    } catch (err) {
      return { kind: 'invalid', line, problem: `not valid JSON (${(err as Error).message})` };
    }
    if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
      return { kind: 'invalid', line, problem: 'a JSON line must be a FetchJob object' };
    }
    candidate = { ...candidate, batch };
  } else {
    candidate = { url: trimmed, batch };
  }
  const parsed = FetchJobSchema.safeParse(candidate);
  if (parsed.success) return { kind: 'job', job: parsed.data };
  const problem = parsed.error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
  return { kind: 'invalid', line, problem };
}
