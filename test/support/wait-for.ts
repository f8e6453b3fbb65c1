import { sleep } from '@tributary/core';

/** Polls `condition` until it returns true or `timeoutMs` passes; the error names what was awaited. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; what?: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what ?? 'condition'}`);
    }
    await sleep(options.intervalMs ?? 50);
  }
}
