import { deadLetterReason, HEADERS, type Stage } from '@tributary/contracts';

/** What a person needs to know of one dead letter. */
export interface DeadLetterView {
  id: string;
  stage: Stage;
  url: string;
  reason: string;
  message: string;
  attempt: number;
  /** Seconds since the message was first published (its AMQP timestamp). */
  ageSeconds: number | undefined;
  headers: Record<string, unknown>;
  body: unknown;
}

/** Reads a dead letter: what it is about, and why it died (`deadLetterReason`). */
export function viewDeadLetter(
  stage: Stage,
  content: Buffer,
  properties: { messageId?: unknown; timestamp?: unknown; headers?: Record<string, unknown> | undefined },
  nowMs = Date.now(),
): DeadLetterView {
  const headers = properties.headers ?? {};
  let body: unknown;
  try {
    body = JSON.parse(content.toString('utf8'));
  } catch {
    body = content.toString('utf8');
  }
  const reason = deadLetterReason(headers);
  const message =
    stringHeader(headers[HEADERS.errorMessage]) ??
    (headers['x-death'] !== undefined ? `dead-lettered by the broker (${reason})` : '');
  const attempt = Number(headers[HEADERS.attempt] ?? 1);
  const timestamp = typeof properties.timestamp === 'number' ? properties.timestamp : undefined;
  return {
    id: typeof properties.messageId === 'string' ? properties.messageId : '',
    stage,
    url: urlOf(body),
    reason,
    message,
    attempt: Number.isFinite(attempt) ? attempt : 1,
    ageSeconds: timestamp === undefined ? undefined : Math.max(0, Math.round(nowMs / 1000 - timestamp)),
    headers,
    body,
  };
}

/** The headers of a replayed message: its trace and its own headers kept, attempts and error marks reset. */
export function replayHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  const dropped = new Set<string>([
    HEADERS.errorReason,
    HEADERS.errorMessage,
    HEADERS.failedStage,
    HEADERS.retryReason,
    HEADERS.deferrals,
    'x-death',
    'x-first-death-exchange',
    'x-first-death-queue',
    'x-first-death-reason',
    'x-last-death-exchange',
    'x-last-death-queue',
    'x-last-death-reason',
    'x-delivery-count',
  ]);
  for (const [name, value] of Object.entries(headers)) if (!dropped.has(name)) kept[name] = value;
  kept[HEADERS.attempt] = 1;
  return kept;
}

function stringHeader(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/** The URL a dead letter is about, whichever stage's message it is. */
function urlOf(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const record = body as { url?: unknown; source?: { url?: unknown } };
  if (typeof record.url === 'string') return record.url;
  if (typeof record.source?.url === 'string') return record.source.url;
  return '';
}

export function formatAge(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}
