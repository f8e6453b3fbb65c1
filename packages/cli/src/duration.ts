import { CliError, EXIT } from './cli-errors.ts';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)([smhd])$/;

/**
 * A duration as a person writes one on the command line, a whole number and one unit: `90s`, `30m`, `12h`, `7d`;
 * in milliseconds. Anything else is a usage error naming the flag and the value.
 */
export function parseDurationMs(value: string, flag: string): number {
  const match = DURATION.exec(value.trim());
  const amount = Number(match?.[1]);
  const unit = match?.[2] as keyof typeof UNIT_MS | undefined;
  if (unit === undefined || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new CliError(
      'usage',
      `${flag} must be a positive whole number of seconds, minutes, hours or days (90s, 30m, 12h, 7d), got "${value}"`,
      EXIT.usage,
    );
  }
  return amount * UNIT_MS[unit];
}
