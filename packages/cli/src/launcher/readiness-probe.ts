import { sleep } from '@tributary/core';

/** One answer of a readiness endpoint: ready on 200; otherwise what came back, for the error message. */
export interface ProbeAnswer {
  ready: boolean;
  /** `200`, `503 {"ready":false,…}`, or why no answer came (`connection refused`). */
  answer: string;
}

const BODY_CHARS = 300;

/** Asks `url` once. */
export async function probeOnce(url: string, timeoutMs: number): Promise<ProbeAnswer> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.text()).slice(0, BODY_CHARS);
    return { ready: response.status === 200, answer: `${response.status} ${body}`.trim() };
  } catch (err) {
    return { ready: false, answer: describeFetchError(err) };
  }
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (err instanceof Error && err.name === 'TimeoutError') return 'no answer in time';
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

export interface WaitReadyOptions {
  /** How long to keep asking. */
  timeoutMs: number;
  intervalMs?: number;
  /** Stops the wait (it then rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Checked before every probe: a process that is gone never gets ready, so the wait ends at once. */
  gone?: () => boolean;
}

export type WaitReadyResult = { outcome: 'ready' } | { outcome: 'timeout' | 'gone'; lastAnswer: string };

/** Asks `url` until it answers 200, the process is gone or the time is up. */
export async function waitUntilReady(url: string, options: WaitReadyOptions): Promise<WaitReadyResult> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 250;
  let lastAnswer = 'not asked yet';
  for (;;) {
    options.signal?.throwIfAborted();
    if (options.gone?.()) return { outcome: 'gone', lastAnswer };
    const probe = await probeOnce(url, Math.min(2_000, Math.max(100, deadline - Date.now())));
    if (probe.ready) return { outcome: 'ready' };
    lastAnswer = probe.answer;
    if (Date.now() >= deadline) return { outcome: 'timeout', lastAnswer };
    await sleep(intervalMs, options.signal);
  }
}
