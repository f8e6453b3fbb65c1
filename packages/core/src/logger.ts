import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log line. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  '*.headers["proxy-authorization"]',
  'url.password',
  // Connection strings carry their credentials: a settings object logged whole must not print them. `amqpUrls`
  // and `managementUrl` are the names the loaded settings use (AMQP_URL, RABBITMQ_MANAGEMENT_URL).
  'amqpUrl',
  'amqpUrls',
  'mongoUrl',
  'managementUrl',
  '*.amqpUrl',
  '*.amqpUrls',
  '*.mongoUrl',
  '*.managementUrl',
];

export interface LoggerSettings {
  service: string;
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

/** Removes the user-info part of a URL so connection strings can be logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}
