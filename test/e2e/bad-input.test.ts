import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import {
  BATCH_COLLECTIONS,
  type BatchJobRecord,
  jobIdFor,
  type Stage,
  topologyNames,
} from '@tributary/contracts';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { TestPipeline } from '../support/pipeline.ts';
import { runNode } from '../support/run-node.ts';
import { serviceMain } from '../support/service-processes.ts';
import { countMessages } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';
import { expectedStore } from '../support/workload/expected-store.ts';
import {
  type BatchCounts,
  type DeadLetterSeen,
  differences,
  type ObservedState,
  readStore,
  STAGES,
} from '../support/workload/final-state.ts';
import type { ContentRoute, ExpectedOutcome, WorkloadJob } from '../support/workload/workload.ts';

// Bad input given to the whole running system (the launcher of `tributary up`: demo API, fetcher, transformer,
// writer, each a process of its own), every case with the outcome it must have, and the good jobs among them
// all stored. One batch holds the good jobs interleaved with every bad URL and with garbage lines; messages that
// are not JSON or do not match their schema are published straight into each stage's work queue meanwhile.

const BATCH = 'bad-input';
/** The batch named by the raw messages that carry one: the writer records their dead letters in it. */
const RAW_BATCH = 'bad-input-raw';
const AFTER_BATCH = 'bad-input-after';

/**
 * Short timeouts and few attempts, so that every case ends within seconds. FETCH_BODY_TIMEOUT_MS is above the
 * drip's one second: a body that drips a byte a second never falls silent for that long, and it is the
 * deadline on the whole response (FETCH_TOTAL_TIMEOUT_MS) that must end it.
 */
const SETTINGS = {
  FETCH_MAX_ATTEMPTS: '3',
  FETCH_BACKOFF_BASE_MS: '200',
  FETCH_BACKOFF_MAX_MS: '1000',
  FETCH_HEADERS_TIMEOUT_MS: '5000',
  FETCH_BODY_TIMEOUT_MS: '2500',
  FETCH_TOTAL_TIMEOUT_MS: '5000',
  FETCH_MAX_BODY_BYTES: String(10 * 1024 * 1024),
  FETCH_PER_HOST_RATE: '100',
  RETRY_DELAY_BUCKETS_MS: '1000,5000',
  WRITE_BATCH_MAX_MS: '50',
} as const;

type Expected =
  | {
      outcome: 'stored';
      /** Requests the demo API must have answered for the job's URL. */
      requests: number;
    }
  | {
      outcome: 'dead';
      stage: Stage;
      /** The dead letter's x-error-reason, as the code produces it. */
      reason: string;
      /** The attempt the job died at: 1 when it is dead at once. */
      attempt: number;
      /** What the dead letter's x-error-message must say. */
      message: RegExp;
      requests: number;
    };

interface UrlCase {
  title: string;
  route: ContentRoute;
  /** The fault's query on `/ROUTE/ID`, or the whole URL when the fault is the URL itself. */
  query: string | ((around: Around) => string);
  url?: (demo: string, id: number) => string;
  count: number;
  expected: Expected;
}

/** Where the test's servers are, for the URLs that point at them. */
interface Around {
  /** `127.0.0.1:PORT` of the broker's management API. */
  managementHostPort: string;
}

const deadAtFetch = (reason: string, attempt: number, message: RegExp, requests = attempt): Expected => ({
  outcome: 'dead',
  stage: 'fetch',
  reason,
  attempt,
  message,
  requests,
});

const BLOCKED: Record<string, string> = {
  loopback: '127.0.0.1: 127.0.0.1 is loopback',
  private: '10.0.0.1: 10.0.0.1 is private',
  metadata: '169.254.169.254: 169.254.169.254 is linkLocal',
  'ipv6-loopback': '[::1]: ::1 is loopback',
};

/**
 * Every bad URL, and the jobs of a 429 storm that must still be stored. `requests` is what the demo API was
 * asked for the job's own URL: it says whether a job was retried, and how often.
 */
const URL_CASES: readonly UrlCase[] = [
  {
    title: 'a 50 MB body, its Content-Length declared',
    route: 'records',
    query: 'size=52428800',
    count: 2,
    expected: deadAtFetch(
      'body-too-large',
      1,
      /^response declares 52428800 bytes, above the limit of 10485760/,
    ),
  },
  {
    title: 'a 50 MB body streamed without a Content-Length',
    route: 'records',
    // Chunked; the demo API closes the connection after half of it, far past the limit.
    query: 'size=52428800&truncate=chunked',
    count: 2,
    expected: deadAtFetch('body-too-large', 1, /^response body exceeds the limit of 10485760 bytes/),
  },
  {
    title: 'a body that drips one byte a second',
    route: 'pages',
    query: 'drip=1000&dripBytes=1',
    count: 2,
    // Never silent for FETCH_BODY_TIMEOUT_MS: ended by FETCH_TOTAL_TIMEOUT_MS, retried, then dead.
    expected: deadAtFetch('timeout', 3, /^the response took over 5000 ms in all/),
  },
  ...Object.entries(BLOCKED).map(
    ([target, refusal]): UrlCase => ({
      title: `a redirect to the ${target} address`,
      route: 'pages',
      query: `redirectTo=${target}`,
      count: 1,
      expected: deadAtFetch(
        'blocked-address',
        1,
        new RegExp(`^refused to connect to ${escapeRegExp(refusal)}, not a public address$`),
      ),
    }),
  ),
  {
    title: "a redirect to the broker's management API on loopback",
    route: 'records',
    query: (around) => `redirect=${encodeURIComponent(`http://${around.managementHostPort}/api/overview`)}`,
    count: 1,
    expected: deadAtFetch(
      'blocked-address',
      1,
      /^refused to connect to 127\.0\.0\.1:\d+: 127\.0\.0\.1 is loopback, not a public address$/,
    ),
  },
  {
    title: 'a chain of 50 redirects',
    route: 'records',
    query: 'redirects=50',
    count: 1,
    // Each hop is a URL of its own: the job's own URL is asked for once.
    expected: deadAtFetch('too-many-redirects', 1, /^more than 5 redirects$/),
  },
  {
    title: 'a URL with credentials in it',
    route: 'records',
    query: '',
    url: (demo, id) => `${demo.replace('://', '://admin:secret@')}/records/${id}`,
    count: 1,
    // Refused before anything is sent.
    expected: deadAtFetch('invalid-url', 1, /: credentials in URLs are not sent$/, 0),
  },
  {
    title: 'a 429 storm: every answer a 429 with Retry-After',
    route: 'records',
    query: 'status=429&retryAfter=1',
    count: 20,
    expected: deadAtFetch('rate-limited', 3, /^upstream answered 429$/),
  },
  {
    title: 'a 429 storm: two 429s with Retry-After, then the content',
    route: 'pages',
    query: 'failFirst=2&failStatus=429&retryAfter=1',
    count: 10,
    expected: { outcome: 'stored', requests: 3 },
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function caseUrl(urlCase: UrlCase, demo: string, id: number, around: Around): string {
  if (urlCase.url) return urlCase.url(demo, id);
  const query = typeof urlCase.query === 'string' ? urlCase.query : urlCase.query(around);
  return `${demo}/${urlCase.route}/${id}?${query}`;
}

const GOOD_JOBS = 40;

interface GarbageLine {
  title: string;
  text: string;
  /** What `tributary enqueue` says of the line, after `line N: `. */
  problem: string | RegExp;
}

/** Lines of the job file that are no job: each must be reported by its number, and nothing else lost. */
const GARBAGE_LINES: readonly GarbageLine[] = [
  { title: 'words, not a URL', text: 'not a url', problem: 'url: Invalid URL' },
  { title: 'an ftp URL', text: 'ftp://127.0.0.1/file.txt', problem: 'url: Invalid URL' },
  { title: 'a javascript: URL', text: 'javascript:alert(1)', problem: 'url: Invalid URL' },
  { title: 'control characters', text: '\u0001\u0002\u0003\u00ff\u00fe', problem: 'url: Invalid URL' },
  { title: '64 KB of noise', text: 'x'.repeat(64 * 1024), problem: 'url: Invalid URL' },
  { title: 'broken JSON', text: '{"url": "http://127.0.0.1/', problem: /^not valid JSON \(/ },
  { title: 'a JSON array', text: '[1, 2, 3]', problem: 'url: Invalid URL' },
  {
    title: 'a JSON job whose url is a number',
    text: '{"url": 42}',
    problem: 'url: Invalid input: expected string, received number',
  },
  {
    title: 'a JSON job without a url',
    text: '{"id": "only-an-id"}',
    problem: 'url: Invalid input: expected string, received undefined',
  },
  {
    title: 'a JSON job with a method the fetcher does not send',
    text: '{"url": "http://127.0.0.1/x", "method": "DELETE"}',
    problem: 'method: Invalid option: expected one of "GET"|"POST"|"PUT"|"HEAD"',
  },
  {
    title: 'a JSON job with a header that is not a string',
    text: '{"url": "http://127.0.0.1/x", "headers": {"x-n": 1}}',
    problem: 'headers.x-n: Invalid input: expected string, received number',
  },
  {
    title: 'a JSON job with an id of 201 characters',
    text: JSON.stringify({ url: 'http://127.0.0.1/x', id: 'i'.repeat(201) }),
    problem: 'id: Too big: expected string to have <=200 characters',
  },
];

interface MessageCase {
  title: string;
  stage: Stage;
  /** The message id it is published with: the id `tributary dead list` shows. */
  id: string;
  body: (demo: string) => Buffer;
  reason: string;
  message: RegExp;
  /** The job its dead letter is recorded for in RAW_BATCH, when the body names one. */
  recordedAs?: string;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const NOW = new Date().toISOString();

/** Messages published straight into each stage's work queue, as a broken or hostile publisher would. */
const MESSAGE_CASES: readonly MessageCase[] = [
  {
    title: 'a body that is not JSON',
    stage: 'fetch',
    id: 'raw-fetch-not-json',
    body: () => Buffer.from('GET http://127.0.0.1/ please'),
    reason: 'invalid-message',
    message: /^body is not JSON/,
  },
  {
    title: 'an empty body',
    stage: 'fetch',
    id: 'raw-fetch-empty',
    body: () => Buffer.alloc(0),
    reason: 'invalid-message',
    message: /^body is not JSON/,
  },
  {
    title: 'a FetchJob with an ftp URL',
    stage: 'fetch',
    id: 'raw-fetch-ftp',
    body: () => json({ id: 'raw-fetch-ftp', url: 'ftp://127.0.0.1/file', batch: RAW_BATCH }),
    reason: 'invalid-message',
    message: /^body does not match the schema: url: /,
    recordedAs: 'raw-fetch-ftp',
  },
  {
    title: 'a JSON array',
    stage: 'fetch',
    id: 'raw-fetch-array',
    body: () => json([{ url: 'http://127.0.0.1/' }]),
    reason: 'invalid-message',
    message: /^body does not match the schema: \(root\): /,
  },
  {
    title: 'bytes that are not even UTF-8',
    stage: 'transform',
    id: 'raw-transform-binary',
    body: () => Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x80]),
    reason: 'invalid-message',
    message: /^body is not JSON/,
  },
  {
    title: 'a RawRecord with its fields missing',
    stage: 'transform',
    id: 'raw-transform-missing',
    body: () => json({ jobId: 'raw-transform-missing', batch: RAW_BATCH }),
    reason: 'invalid-message',
    message: /^body does not match the schema: url: /,
    recordedAs: 'raw-transform-missing',
  },
  {
    title: 'a RawRecord whose status is a string',
    stage: 'transform',
    id: 'raw-transform-status',
    body: (demo) =>
      json({
        ...rawRecord(demo, 'raw-transform-status'),
        status: '200',
      }),
    reason: 'invalid-message',
    message: /^body does not match the schema: status: /,
    recordedAs: 'raw-transform-status',
  },
  {
    title: 'a valid RawRecord whose gzip body is broken',
    stage: 'transform',
    id: 'raw-transform-gzip',
    body: (demo) => json(rawRecord(demo, 'raw-transform-gzip')),
    reason: 'corrupt-body',
    message: /^the record's body cannot be unpacked/,
    recordedAs: 'raw-transform-gzip',
  },
  {
    title: 'a body that is not JSON',
    stage: 'store',
    id: 'raw-store-not-json',
    body: () => Buffer.from('<documents/>'),
    reason: 'invalid-message',
    message: /^body is not JSON/,
  },
  {
    title: 'a StoreMessage of an unknown kind',
    stage: 'store',
    id: 'raw-store-kind',
    body: () => json({ kind: 'delete-everything', source: { jobId: 'raw-store-kind', batch: RAW_BATCH } }),
    reason: 'invalid-message',
    message: /^body does not match the schema: kind: /,
    recordedAs: 'raw-store-kind',
  },
  {
    title: 'a documents message without its documents',
    stage: 'store',
    id: 'raw-store-partial',
    body: (demo) =>
      json({ kind: 'documents', source: { jobId: 'raw-store-partial', url: `${demo}/x`, batch: RAW_BATCH } }),
    reason: 'invalid-message',
    message: /^body does not match the schema: /,
    recordedAs: 'raw-store-partial',
  },
  {
    title: 'a valid documents message that contradicts itself',
    stage: 'store',
    id: 'raw-store-contradiction',
    body: (demo) =>
      json({
        kind: 'documents',
        source: {
          jobId: 'raw-store-contradiction',
          url: `${demo}/records/990`,
          status: 200,
          contentHash: 'h',
          chunkCount: 2,
          fetchedAt: NOW,
          batch: RAW_BATCH,
        },
        documents: [
          {
            _id: 'raw-store-contradiction-0',
            jobId: 'raw-store-contradiction',
            sourceUrl: `${demo}/records/990`,
            text: 'one chunk of two',
            chunkIndex: 0,
            chunkCount: 2,
            contentHash: 'h',
            tokenCount: 4,
            fetchedAt: NOW,
            transformedAt: NOW,
          },
        ],
      }),
    reason: 'invalid-message',
    message: /^source\.chunkCount is 2 but the message carries 1 documents$/,
    recordedAs: 'raw-store-contradiction',
  },
];

/** A RawRecord valid by its schema whose body claims to be gzip and is not. */
function rawRecord(demo: string, jobId: string): Record<string, unknown> {
  return {
    jobId,
    url: `${demo}/records/991`,
    finalUrl: `${demo}/records/991`,
    status: 200,
    contentType: 'application/json',
    fetchedAt: NOW,
    durationMs: 1,
    bytes: 16,
    body: Buffer.from('not gzip at all').toString('base64'),
    bodyEncoding: 'base64',
    compressed: 'gzip',
    batch: RAW_BATCH,
  };
}

/** One job of the batch: a WorkloadJob (so the store it must end with can be computed) and its case. */
interface BatchJob extends WorkloadJob {
  case: UrlCase | undefined;
  expectation: Expected;
}

interface JobFile {
  lines: string[];
  jobs: BatchJob[];
  /** Each garbage line's number in the file (from 1). */
  garbageAt: Map<GarbageLine, number>;
  duplicates: number;
}

/**
 * The job file: the good jobs (pages and records, some as JSON with meta) with the bad URLs and the garbage
 * lines spread through them, a comment, blank lines and one job given twice.
 */
function buildJobFile(demo: string, around: Around): JobFile {
  const jobs: BatchJob[] = [];
  let nextId = 1;
  for (let n = 0; n < GOOD_JOBS; n++) {
    const contentId = nextId++;
    const route: ContentRoute = n % 3 === 0 ? 'pages' : 'records';
    const url = `${demo}/${route}/${contentId}`;
    const line = n % 4 === 0 ? JSON.stringify({ url, meta: { suite: 'bad-input', n } }) : url;
    jobs.push(batchJob(line, url, route, contentId, undefined, { outcome: 'stored', requests: 1 }));
  }
  for (const urlCase of URL_CASES) {
    for (let n = 0; n < urlCase.count; n++) {
      const contentId = 100 + nextId++;
      const url = caseUrl(urlCase, demo, contentId, around);
      jobs.push(batchJob(url, url, urlCase.route, contentId, urlCase, urlCase.expected));
    }
  }
  // Spread the bad jobs among the good ones (deterministically), then the garbage among all of them.
  const ordered = interleave(
    jobs.filter((job) => job.case === undefined),
    jobs.filter((job) => job.case !== undefined),
  );
  const lines: string[] = ['# the bad-input suite: good jobs, bad URLs and garbage', ''];
  const garbageAt = new Map<GarbageLine, number>();
  const every = Math.floor(ordered.length / GARBAGE_LINES.length);
  ordered.forEach((job, index) => {
    lines.push(job.line);
    const garbage = index % every === every - 1 ? GARBAGE_LINES[(index + 1) / every - 1] : undefined;
    if (garbage) {
      lines.push(garbage.text);
      garbageAt.set(garbage, lines.length);
    }
  });
  // The same job again, its query reordered: enqueued once.
  const twice = jobs.find((job) => job.case?.title.startsWith('a 429 storm: two'));
  if (!twice) throw new Error('no job to give twice');
  const reordered = new URL(twice.url);
  reordered.search = new URLSearchParams([...reordered.searchParams].reverse()).toString();
  lines.push('', reordered.toString());
  for (const garbage of GARBAGE_LINES) {
    if (!garbageAt.has(garbage)) throw new Error(`garbage line "${garbage.title}" not placed`);
  }
  return { lines, jobs, garbageAt, duplicates: 1 };
}

function batchJob(
  line: string,
  url: string,
  route: ContentRoute,
  contentId: number,
  urlCase: UrlCase | undefined,
  expectation: Expected,
): BatchJob {
  const expected: ExpectedOutcome =
    expectation.outcome === 'stored'
      ? { outcome: 'stored' }
      : { outcome: 'dead', stage: expectation.stage, reason: expectation.reason };
  return {
    line,
    jobId: jobIdFor({ url }),
    url,
    route,
    contentId,
    kind: urlCase?.title ?? 'good',
    expected,
    case: urlCase,
    expectation,
  };
}

function interleave<T>(many: readonly T[], few: readonly T[]): T[] {
  const out: T[] = [];
  const step = many.length / (few.length + 1);
  let next = 0;
  many.forEach((item, index) => {
    out.push(item);
    while (next < few.length && index + 1 >= Math.round(step * (next + 1))) out.push(few[next++] as T);
  });
  while (next < few.length) out.push(few[next++] as T);
  return out;
}

function shownProblem(problem: string | RegExp): string {
  return typeof problem === 'string' ? problem : `${problem.source}…`;
}

/** The outcome in words, for the test's name. */
function outcomeTitle(expected: Expected): string {
  return expected.outcome === 'stored'
    ? `stored after ${expected.requests} requests`
    : `dead letter ${expected.stage}/${expected.reason} at attempt ${expected.attempt}`;
}

async function publishRaw(amqpUrl: string, prefix: string, demo: string): Promise<void> {
  const names = topologyNames(prefix);
  const connection = await amqplib.connect(amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    for (const message of MESSAGE_CASES) {
      channel.sendToQueue(names.stage(message.stage).queue, message.body(demo), {
        messageId: message.id,
        persistent: true,
      });
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

/** A dead letter as `tributary dead list --json` shows it. */
interface DeadLetter extends DeadLetterSeen {
  attempt: number;
  message: string;
}

async function readDeadLetters(): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (const stage of STAGES) {
    const result = await pipeline.cli(['dead', 'list', '--stage', stage, '--json', '--limit', '10000'], {
      timeoutMs: 60_000,
    });
    if (result.code !== 0) throw new Error(`tributary dead list exited ${result.code}: ${result.stderr}`);
    for (const line of result.stdout.split('\n')) {
      if (line.trim() !== '') letters.push(JSON.parse(line) as DeadLetter);
    }
  }
  return letters;
}

async function requestsFor(demoUrl: string, jobUrl: string): Promise<number> {
  const url = new URL(jobUrl);
  const target = `${url.pathname}${url.search}`;
  const response = await fetch(`${demoUrl}/stats?url=${encodeURIComponent(target)}`);
  return ((await response.json()) as { attempts: number }).attempts;
}

let pipeline: TestPipeline;
let file: JobFile;
let enqueued: { code: number | null; summary: Record<string, unknown>; stderr: string };
let waited: { code: number | null; progress: Record<string, unknown> };
let observed: ObservedState & { deadLetters: DeadLetter[] };
let rawLetters: DeadLetter[];
let rawRecords: Map<string, BatchJobRecord>;
let requests: Map<string, number>;
/** What did not arrive in time: the tests below then say which cases it was. */
const missing: string[] = [];

function noteMissing(error: unknown): void {
  missing.push((error as Error).message);
}

function showOutputOnFailure(): void {
  onTestFailed(() => {
    process.stderr.write(`the processes' last output lines:\n${pipeline?.lastLines(120)}\n`);
  });
}

describe('bad input on the whole running system', () => {
  beforeAll(async () => {
    pipeline = await TestPipeline.start({ transformWorkers: 1, env: { ...SETTINGS } });
    const management = new URL(pipeline.cliEnv.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672');
    file = buildJobFile(pipeline.demoUrl, { managementHostPort: `127.0.0.1:${management.port || '80'}` });
    const prefix = pipeline.cliEnv.TRIBUTARY_PREFIX ?? '';

    // The raw messages go in while the batch is being worked on.
    const enqueue = pipeline.cli(['enqueue', '-', '--batch', BATCH, '--json'], {
      stdin: `${file.lines.join('\n')}\n`,
    });
    await publishRaw(pipeline.cliEnv.AMQP_URL as string, prefix, pipeline.demoUrl);
    const result = await enqueue;
    enqueued = {
      code: result.code,
      stderr: result.stderr,
      summary: result.stdout.trim() === '' ? {} : (JSON.parse(result.stdout) as Record<string, unknown>),
    };
    const wait = await pipeline.cli(['batch', 'wait', BATCH, '--json', '--timeout', '150'], {
      timeoutMs: 170_000,
    });
    waited = {
      code: wait.code,
      progress: wait.stdout.trim() === '' ? {} : (JSON.parse(wait.stdout) as Record<string, unknown>),
    };

    // Every raw message has reached its dead-letter queue (the batch's own are all there by now).
    const names = topologyNames(prefix);
    const amqpUrl = pipeline.cliEnv.AMQP_URL as string;
    const deadJobs = file.jobs.filter((job) => job.expectation.outcome === 'dead');
    for (const stage of STAGES) {
      const want =
        MESSAGE_CASES.filter((message) => message.stage === stage).length +
        deadJobs.filter((job) => job.expected.outcome === 'dead' && job.expected.stage === stage).length;
      await waitFor(async () => (await countMessages(amqpUrl, names.stage(stage).deadQueue)) >= want, {
        timeoutMs: 30_000,
        what: `${want} dead letters in ${names.stage(stage).deadQueue}`,
      }).catch(noteMissing);
    }
    const recorded = MESSAGE_CASES.filter((message) => message.recordedAs !== undefined).length;
    const rawJobs = pipeline.db.collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs);
    await waitFor(async () => (await rawJobs.countDocuments({ batch: RAW_BATCH })) >= recorded, {
      timeoutMs: 30_000,
      what: `${recorded} dead jobs recorded in batch ${RAW_BATCH}`,
    }).catch(noteMissing);

    const letters = await readDeadLetters();
    const rawIds = new Set(MESSAGE_CASES.map((message) => message.id));
    rawLetters = letters.filter((letter) => rawIds.has(letter.id));
    const batchJobs = new Map<string, BatchJobRecord>();
    for await (const record of rawJobs.find({ batch: BATCH })) batchJobs.set(record.jobId, record);
    observed = {
      ...(await readStore(pipeline.db)),
      deadLetters: letters.filter((letter) => !rawIds.has(letter.id)),
      batchJobs,
      batch: waited.progress as unknown as BatchCounts,
    };
    rawRecords = new Map();
    for await (const record of rawJobs.find({ batch: RAW_BATCH })) rawRecords.set(record.jobId, record);
    requests = new Map(
      await Promise.all(
        file.jobs.map(async (job) => [job.jobId, await requestsFor(pipeline.demoUrl, job.url)] as const),
      ),
    );
  }, 300_000);
  afterAll(() => pipeline?.stop());

  it('gets every dead letter and every record it waits for', () => {
    showOutputOnFailure();
    expect(missing).toEqual([]);
  });

  describe('the job file', () => {
    it('enqueues every distinct job once and exits 2 for its bad lines', () => {
      showOutputOnFailure();
      expect(enqueued.code, enqueued.stderr).toBe(2);
      expect(enqueued.summary).toMatchObject({
        batch: BATCH,
        lines: file.jobs.length + GARBAGE_LINES.length + file.duplicates,
        published: file.jobs.length,
        duplicates: file.duplicates,
        invalid: GARBAGE_LINES.length,
      });
      // Exactly the garbage lines, by number: no good line among them.
      const reported = (enqueued.summary.invalidLines as { line: number }[]).map((bad) => bad.line);
      expect(reported).toEqual([...file.garbageAt.values()]);
    });

    it.each(GARBAGE_LINES.map((garbage) => ({ ...garbage, shown: shownProblem(garbage.problem) })))(
      'a line of $title → reported by its number: "$shown"',
      (garbage) => {
        const line = file.garbageAt.get(GARBAGE_LINES.find((g) => g.title === garbage.title) as GarbageLine);
        const bad = (enqueued.summary.invalidLines as { line: number; problem: string }[]).find(
          (entry) => entry.line === line,
        );
        expect(bad, `line ${line}`).toBeDefined();
        if (typeof garbage.problem === 'string') expect(bad?.problem).toBe(garbage.problem);
        else expect(bad?.problem).toMatch(garbage.problem);
      },
    );
  });

  describe('the batch', () => {
    it('ends with every job accounted for, the bad ones dead (batch wait exits 1)', () => {
      showOutputOnFailure();
      expect(waited.code, JSON.stringify(waited.progress)).toBe(1);
      const dead = file.jobs.filter((job) => job.expectation.outcome === 'dead');
      const deadBy = new Map<string, number>();
      for (const job of dead) {
        if (job.expected.outcome !== 'dead') continue;
        const key = `${job.expected.stage}/${job.expected.reason}`;
        deadBy.set(key, (deadBy.get(key) ?? 0) + 1);
      }
      expect(waited.progress).toMatchObject({
        total: file.jobs.length,
        stored: file.jobs.length - dead.length,
        unchanged: 0,
        dead: dead.length,
        inFlight: 0,
      });
      const seen = Object.fromEntries(
        (waited.progress.deadBy as { stage: string; reason: string; count: number }[]).map((entry) => [
          `${entry.stage}/${entry.reason}`,
          entry.count,
        ]),
      );
      expect(seen).toEqual(Object.fromEntries(deadBy));
    });

    it('stores exactly the good jobs with exactly their chunks; the bad ones are dead, each once, with its reason', async () => {
      showOutputOnFailure();
      const expected = await expectedStore(file.jobs);
      expect(differences(file.jobs, expected, observed)).toEqual({
        lost: [],
        duplicated: [],
        extraDeadLetterCopies: [],
        wrong: [],
      });
      expect(observed.sources.size).toBe(expected.sources.size);
      expect(observed.documents.size).toBe(expected.documents.size);
      // Every good job was asked for once: nothing was retried because of the bad ones around it.
      const good = file.jobs.filter((job) => job.case === undefined);
      expect(good.filter((job) => requests.get(job.jobId) !== 1).map((job) => job.url)).toEqual([]);
    });

    it.each(URL_CASES.map((urlCase) => ({ ...urlCase, outcome: outcomeTitle(urlCase.expected) })))(
      '$title ($count jobs) → $outcome',
      (urlCase) => {
        showOutputOnFailure();
        const jobs = file.jobs.filter((job) => job.case?.title === urlCase.title);
        expect(jobs).toHaveLength(urlCase.count);
        const want = urlCase.expected;
        for (const job of jobs) {
          const record = observed.batchJobs.get(job.jobId);
          const letters = observed.deadLetters.filter((letter) => letter.id === job.jobId);
          expect(requests.get(job.jobId), `requests for ${job.url}`).toBe(want.requests);
          if (want.outcome === 'stored') {
            expect(record, job.url).toMatchObject({ outcome: 'stored' });
            expect(observed.sources.get(job.jobId)?.chunkCount, job.url).toBeGreaterThan(0);
            expect(letters, job.url).toEqual([]);
            continue;
          }
          expect(record, job.url).toMatchObject({ outcome: 'dead', stage: want.stage, reason: want.reason });
          expect(observed.sources.has(job.jobId), job.url).toBe(false);
          expect(letters, job.url).toHaveLength(1);
          const letter = letters[0] as DeadLetter;
          expect(letter, job.url).toMatchObject({ stage: want.stage, reason: want.reason, url: job.url });
          expect(letter.attempt, job.url).toBe(want.attempt);
          expect(letter.message, job.url).toMatch(want.message);
        }
      },
    );
  });

  describe('messages published straight into the work queues', () => {
    it.each(
      MESSAGE_CASES.map((message) => ({ ...message, queue: topologyNames('').stage(message.stage).queue })),
    )('$queue: $title → dead letter $stage/$reason', (message) => {
      showOutputOnFailure();
      const letters = rawLetters.filter((letter) => letter.id === message.id);
      expect(letters).toHaveLength(1);
      const letter = letters[0] as DeadLetter;
      expect(letter).toMatchObject({ stage: message.stage, reason: message.reason, attempt: 1 });
      expect(letter.message).toMatch(message.message);
      if (message.recordedAs === undefined) return;
      expect(rawRecords.get(message.recordedAs)).toMatchObject({
        outcome: 'dead',
        stage: message.stage,
        reason: message.reason,
      });
    });

    it('leave nothing else in the dead-letter queues, and only their own records in their batch', () => {
      expect(rawLetters.map((letter) => `${letter.stage} ${letter.id}`).sort()).toEqual(
        MESSAGE_CASES.map((message) => `${message.stage} ${message.id}`).sort(),
      );
      expect([...rawRecords.keys()].sort()).toEqual(
        MESSAGE_CASES.flatMap((message) => (message.recordedAs ? [message.recordedAs] : [])).sort(),
      );
    });
  });

  it('keeps every service running, and processing good jobs afterwards', async () => {
    showOutputOnFailure();
    for (const info of pipeline.system.processes()) {
      expect(info, info.name).toMatchObject({ state: 'running', restarts: 0 });
    }
    const urls = Array.from(
      { length: 6 },
      (_, n) => `${pipeline.demoUrl}/${n % 2 ? 'pages' : 'records'}/${500 + n}`,
    );
    const after = await pipeline.cli(['enqueue', '-', '--batch', AFTER_BATCH], {
      stdin: `${urls.join('\n')}\n`,
    });
    expect(after.code, after.stderr).toBe(0);
    const done = await pipeline.cli(['batch', 'wait', AFTER_BATCH, '--json', '--timeout', '60'], {
      timeoutMs: 80_000,
    });
    expect(done.code, done.stdout).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ total: urls.length, stored: urls.length, dead: 0 });
    const stored = await pipeline.db
      .collection<{ _id: string }>('sources')
      .countDocuments({ _id: { $in: urls.map((url) => jobIdFor({ url })) } });
    expect(stored).toBe(urls.length);
  });
});

// Invalid settings. test/integration/config-errors.test.ts already covers, for every service, exit 2 before a
// port is bound or anything is connected to, with the variables named: the rules between variables of each
// service, a fetcher setting that is not a number and an AMQP_URL that is not one, a writer setting out of range,
// a demo API setting out of range. test/integration/transformer/plugins.test.ts covers a TRANSFORM_MODULE that
// does not load. Here: the other kinds, for each service. (No setting is required: every one has a default, and
// a variable set to the empty string takes it, so "empty" is not an error anywhere.)

const LEVELS = 'one of fatal, error, warn, info, debug, trace, silent';

interface SettingCase {
  service: 'fetcher' | 'transformer' | 'writer' | 'demo-api';
  kind: string;
  env: Record<string, string>;
  problems: string[];
}

const SETTING_CASES: readonly SettingCase[] = [
  {
    service: 'fetcher',
    kind: 'out of range',
    env: { FETCH_MAX_ATTEMPTS: '0' },
    problems: ['FETCH_MAX_ATTEMPTS must be an integer 1..100, got "0"'],
  },
  {
    service: 'fetcher',
    kind: 'a fraction for an integer',
    env: { FETCH_TOTAL_TIMEOUT_MS: '2.5' },
    problems: ['FETCH_TOTAL_TIMEOUT_MS must be an integer 1..3600000, got "2.5"'],
  },
  {
    service: 'fetcher',
    kind: 'blanks for a number',
    env: { FETCH_BODY_TIMEOUT_MS: '   ' },
    problems: ['FETCH_BODY_TIMEOUT_MS must be an integer 1..600000, got "   "'],
  },
  {
    service: 'fetcher',
    kind: 'not a boolean',
    env: { FETCH_ALLOW_PRIVATE: 'maybe' },
    problems: ['FETCH_ALLOW_PRIVATE must be true or false, got "maybe"'],
  },
  {
    service: 'fetcher',
    kind: 'an unknown log level',
    env: { LOG_LEVEL: 'verbose' },
    problems: [`LOG_LEVEL must be ${LEVELS}, got "verbose"`],
  },
  {
    service: 'transformer',
    kind: 'not a number',
    env: { TRANSFORM_WORKERS: 'two' },
    problems: ['TRANSFORM_WORKERS must be an integer 0..1024, got "two"'],
  },
  {
    service: 'transformer',
    kind: 'out of range',
    env: { TRANSFORM_MAX_ATTEMPTS: '101' },
    problems: ['TRANSFORM_MAX_ATTEMPTS must be an integer 1..100, got "101"'],
  },
  {
    service: 'transformer',
    kind: 'a broker URL without a scheme',
    env: { AMQP_URL: 'localhost:5672' },
    problems: ['AMQP_URL must be a comma-separated list of amqp/amqps URLs, got "<redacted>"'],
  },
  {
    service: 'transformer',
    kind: 'a delay bucket that is not a number',
    env: { RETRY_DELAY_BUCKETS_MS: '1000,soon' },
    problems: [
      'RETRY_DELAY_BUCKETS_MS must be a comma-separated list of integers 1..86400000, got "1000,soon"',
    ],
  },
  {
    service: 'transformer',
    kind: 'an unknown log level',
    env: { LOG_LEVEL: 'loud' },
    problems: [`LOG_LEVEL must be ${LEVELS}, got "loud"`],
  },
  {
    service: 'writer',
    kind: 'not a number',
    env: { WRITE_BATCH_MAX_MS: 'soon' },
    problems: ['WRITE_BATCH_MAX_MS must be an integer 0..600000, got "soon"'],
  },
  {
    service: 'writer',
    kind: 'a database URL of another kind',
    env: { MONGO_URL: 'postgres://127.0.0.1/tributary' },
    problems: ['MONGO_URL must be a mongodb:// or mongodb+srv:// URL, got "<redacted>"'],
  },
  {
    service: 'writer',
    kind: 'an unknown write concern',
    env: { WRITE_CONCERN: 'all' },
    problems: ['WRITE_CONCERN must be majority or an integer 1..50, got "all"'],
  },
  {
    service: 'writer',
    kind: 'three bad settings at once, all named',
    env: { LOG_LEVEL: 'shout', AMQP_URL: 'amqp//nope', WRITER_MAX_ATTEMPTS: '-1' },
    problems: [
      `LOG_LEVEL must be ${LEVELS}, got "shout"`,
      'AMQP_URL must be a comma-separated list of amqp/amqps URLs, got "<redacted>"',
      'WRITER_MAX_ATTEMPTS must be an integer 1..100, got "-1"',
    ],
  },
  {
    service: 'demo-api',
    kind: 'not a number',
    env: { DEMO_PORT: 'http' },
    problems: ['DEMO_PORT must be an integer 0..65535, got "http"'],
  },
  {
    service: 'demo-api',
    kind: 'a status that is not an error',
    env: { DEMO_FAIL_STATUS: '200' },
    problems: ['DEMO_FAIL_STATUS must be an integer 400..599, got "200"'],
  },
  {
    service: 'demo-api',
    kind: 'an unknown log level',
    env: { LOG_LEVEL: 'chatty' },
    problems: [`LOG_LEVEL must be ${LEVELS}, got "chatty"`],
  },
];

/** A port every address of a service points at: a service that connected to anything would be counted. */
async function trap(): Promise<{ port: number; connections: () => number; close: () => void }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: () => server.close(),
  };
}

describe('a service started with an invalid setting stops at once: exit 2, the variable named', () => {
  it.concurrent.for(SETTING_CASES)('$service with $kind: $env', async (settingCase, { expect }) => {
    const port = await trap();
    try {
      const result = await runNode(serviceMain(settingCase.service), [], {
        env: {
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(port.port),
          DEMO_HOST: '127.0.0.1',
          DEMO_PORT: String(port.port),
          AMQP_URL: `amqp://guest:guest@127.0.0.1:${port.port}`,
          MONGO_URL: `mongodb://127.0.0.1:${port.port}/`,
          ...settingCase.env,
        },
        timeoutMs: 60_000,
      });
      expect(result.code, result.stderr).toBe(2);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe(`${settingCase.service}: Invalid configuration:`);
      // Exactly the variables at fault, one line each.
      expect(lines.slice(1).map((line) => line.replace(/^ {2}- /, ''))).toEqual(settingCase.problems);
      expect(result.stdout).toBe('');
      expect(port.connections()).toBe(0);
    } finally {
      port.close();
    }
  });
});
