import cliProgress from 'cli-progress';

/**
 * A progress bar on a terminal (cli-progress, on stderr so stdout stays for results); nothing elsewhere, where
 * the command prints a plain summary at the end instead.
 */
export interface Progress {
  update(value: number, payload?: Record<string, unknown>): void;
  setTotal(total: number): void;
  stop(): void;
}

export function progressBar(options: { total: number; format: string; enabled?: boolean }): Progress {
  if (!(options.enabled ?? process.stderr.isTTY)) {
    return { update() {}, setTotal() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    { format: options.format, stream: process.stderr, hideCursor: true, etaBuffer: 50, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(options.total, 0);
  return {
    update: (value, payload) => bar.update(value, payload),
    setTotal: (total) => bar.setTotal(total),
    stop: () => bar.stop(),
  };
}
