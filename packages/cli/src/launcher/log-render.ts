import { styleText } from 'node:util';

/**
 * How one output line of a process is shown. Services write pino JSON lines; anything else (a stack trace, a
 * configuration error, a script's progress) is plain text. Pure: a line in, a line out.
 */

/** The level a plain-text line gets: `info` on stdout, `error` on a service's stderr. */
export type TextLevel = 'info' | 'warn' | 'error';

type Style = Parameters<typeof styleText>[0];

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

const LEVEL_STYLES: Readonly<Record<string, Style>> = {
  trace: 'gray',
  debug: 'gray',
  info: 'green',
  warn: 'yellow',
  error: 'red',
  fatal: ['red', 'bold'],
};

/** Colours for process names, picked by name so that a process keeps its colour; none is a level's colour. */
const NAME_STYLES: readonly Style[] = [
  'cyan',
  'magenta',
  'blue',
  'cyanBright',
  'magentaBright',
  'blueBright',
];

/** Fields every line has or that say nothing to a reader; `lastLines` is shown below the line instead. */
const HIDDEN_FIELDS = new Set([
  'time',
  'level',
  'msg',
  'service',
  'pid',
  'hostname',
  'v',
  'traceId',
  'lastLines',
]);
/** Fields shown first, when present, in this order. */
const FIRST_FIELDS = [
  'processName',
  'jobId',
  'url',
  'reason',
  'attempt',
  'delayMs',
  'code',
  'signal',
  'port',
];
const MAX_FIELDS = 6;
const MAX_VALUE_CHARS = 80;

/** The line as a JSON object, or undefined when it is not one. */
export function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The line for a machine: a JSON line with `process` set to the name of the process that wrote it (first
 * among its fields); a plain-text line becomes `{ time, level, process, msg }`.
 */
export function tagJsonLine(processName: string, line: string, textLevel: TextLevel, now: Date): string {
  const record = parseJsonLine(line);
  if (record === undefined) {
    return JSON.stringify({ level: textLevel, time: now.toISOString(), process: processName, msg: line });
  }
  return JSON.stringify(Object.assign({ process: processName }, record, { process: processName }));
}

export interface PrettyOptions {
  /** ANSI colours; off when the output is not a colour terminal. */
  color: boolean;
  /** Names are padded to this width so that messages line up. */
  nameWidth: number;
  /** The time of a plain-text line, which carries none. */
  now: Date;
}

/**
 * The line for a person: `12:03:04.512 fetcher-1     WARN  retry scheduled  jobId=… reason=upstream-5xx`,
 * with the time in local time, at most a few fields, long values cut. A line that carries `lastLines` (the
 * launcher's report of a process that died) is followed by those lines, indented, each shown the same way.
 */
export function renderPrettyLine(
  processName: string,
  line: string,
  textLevel: TextLevel,
  options: PrettyOptions,
): string {
  const style = (format: Style, text: string) =>
    options.color ? styleText(format, text, { validateStream: false }) : text;
  const name = style(nameStyle(processName), processName.padEnd(options.nameWidth));
  const record = parseJsonLine(line);
  if (record === undefined) {
    const level =
      textLevel === 'info' ? '' : ` ${style(LEVEL_STYLES[textLevel] ?? 'none', textLevel.toUpperCase())}`;
    return `${style('gray', clock(options.now))} ${name}${level} ${line}`;
  }
  const level = levelName(record.level);
  const time =
    typeof record.time === 'string' || typeof record.time === 'number' ? new Date(record.time) : options.now;
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const fields = fieldsOf(record)
    .map(([key, value]) => `${style('gray', `${key}=`)}${value}`)
    .join(' ');
  const head =
    `${style('gray', clock(Number.isNaN(time.getTime()) ? options.now : time))} ${name} ` +
    `${style(LEVEL_STYLES[level] ?? 'none', level.toUpperCase().padEnd(5))} ${msg}` +
    (fields ? `  ${fields}` : '');
  const tail = lastLinesOf(record);
  if (tail.length === 0) return head;
  const about = typeof record.processName === 'string' ? record.processName : processName;
  const indented = tail.map(
    (tailLine) => `    ${renderPrettyLine(about, tailLine, 'info', { ...options, nameWidth: 0 })}`,
  );
  return [head, `    ${style('gray', `last lines of ${about}:`)}`, ...indented].join('\n');
}

function levelName(level: unknown): string {
  if (typeof level === 'number') return LEVEL_NAMES[level] ?? String(level);
  return typeof level === 'string' ? level : 'info';
}

/** HH:MM:SS.mmm in local time. */
function clock(time: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const millis = String(time.getMilliseconds()).padStart(3, '0');
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${millis}`;
}

function nameStyle(name: string): Style {
  let hash = 0;
  for (const char of name.replace(/-\d+$/, '')) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return NAME_STYLES[hash % NAME_STYLES.length] ?? 'none';
}

/** The few fields shown after the message: the well-known ones first, then the rest in their order. */
function fieldsOf(record: Record<string, unknown>): [string, string][] {
  const keys = Object.keys(record).filter((key) => !HIDDEN_FIELDS.has(key) && key !== 'process');
  const ordered = [
    ...FIRST_FIELDS.filter((key) => keys.includes(key)),
    ...keys.filter((key) => !FIRST_FIELDS.includes(key)),
  ];
  return ordered
    .map((key): [string, string | undefined] => [key, showValue(key, record[key])])
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .slice(0, MAX_FIELDS);
}

function showValue(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const message =
    key === 'err' && typeof value === 'object' ? (value as { message?: unknown }).message : undefined;
  const raw = typeof message === 'string' ? message : value;
  let text: string;
  if (typeof raw === 'string') text = /[\s"=]/.test(raw) || raw === '' ? JSON.stringify(raw) : raw;
  else text = typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function lastLinesOf(record: Record<string, unknown>): string[] {
  const lines = record.lastLines;
  return Array.isArray(lines) ? lines.filter((line): line is string => typeof line === 'string') : [];
}
