// Fetch under faults, across replicas and under per-host limits: the fetcher service (`node
// services/fetcher/src/main.ts`, child processes as deployed, each replica with its own metrics port) against
// one demo API (a child process too) that plays H hosts, each scenario on a fresh vhost of the real broker.
//   npm run bench:fetch-faults              (AMQP_URL / RABBITMQ_MANAGEMENT_URL from the environment)
//   BENCH_FAULTS_JOBS=1000 BENCH_FAULTS_SCENARIOS=clean-1,faults-1 npm run bench:fetch-faults
// Knobs:
//   BENCH_FAULTS_JOBS=10000            N, the jobs of the clean-* and faults-* scenarios
//   BENCH_FAULTS_HOSTS=10              H, hosts 127.0.0.1 … 127.0.0.H (one demo API bound to 0.0.0.0)
//   BENCH_FAULTS_SCENARIOS=…           comma list, default all: clean-1,faults-1,clean-3,faults-3,latency-1,
//                                      latency-3,tail-1,limits-3
//   BENCH_FAULTS_SCALING_JOBS=5000     jobs of latency-1 / latency-3 (≥ 10 s at one replica: 5,000 × 300 ms / 100)
//   BENCH_FAULTS_LIMITS_JOBS=600       jobs of limits-3
//   BENCH_FAULTS_DEAD_WAIT_S=120       how long to wait, after the good jobs, for the corrupted ones to be dead
//   BENCH_FAULTS_TIMEOUT_S=600         how long to wait for the good jobs
//   BENCH_FAULTS_TRACE=1               progress every second
//
// Workload: N distinct `/records/:id?latency=300` URLs, URL i on host 127.0.0.(1 + i mod H). With faults, by
// the URL's rank k = ⌊i / H⌋ within its host (so every host gets the same share): k mod 20 = 0 answers 500 once
// (`failFirst=1`, 5 %), k mod 100 = 1 answers 429 with `Retry-After: 1` once (`failFirst=1&failStatus=429&
// retryAfter=1`, 1 %), k mod 200 = 2 is always invalid JSON (`corrupt=1`, 0.5 %: retried, then dead-lettered).
// The clean run fetches the same URLs without fault parameters.
//
// Scenarios (FETCH_PER_HOST_RATE=0 and FETCH_PER_HOST_CONCURRENCY=500 unless said, so that per-host limits do
// not bound the run; every other fetcher setting at its default; N and the fetcher settings are per scenario,
// FETCH_CONCURRENCY per replica):
//   clean-1, faults-1   1 replica, FETCH_CONCURRENCY=500, N jobs, without / with faults
//   clean-3, faults-3   3 replicas, the same
//   latency-1/-3        1 or 3 replicas, FETCH_CONCURRENCY=100, no faults: latency-bound, for the scaling ratio
//   tail-1              1 replica, one host at the default per-host limits (20/s, 16 at once, default breaker),
//                       900 jobs at 20 ms: 50 answer 500 twice, 20 answer 429 with Retry-After: 2 once, 10 are
//                       corrupt, 20 are not found (404): the batch whose tail used to take minutes
//   limits-3            3 replicas, FETCH_PER_HOST_RATE=20, FETCH_PER_HOST_CONCURRENCY=4, 50 ms latency: what
//                       the busiest host saw (demo API /stats byHost) over those limits
//
// Measured: every job is enqueued first, then the fetchers start. The clock starts (t0) when the first request
// reaches the demo API (polled every 10 ms). The bench consumes transform.raw itself (nothing else does) and
// notes when each job's RawRecord arrived (its messageId is the job id); a job's completion time is that
// arrival − t0 (every job is already enqueued at t0). Makespan = t0 → the last record of a job that can succeed
// (the corrupted ones are left out; the time until they are all dead-lettered is reported on its own). A queue
// of the bench's bound to the retry exchange sees every job sent to a delay queue: the retry delay of a job is
// the sum of the delay buckets its retries waited (deferrals, which spend no attempt, counted apart). Beside
// that: the fetchers' /metrics (requests, deferrals by reason) and the demo API's /stats (requests; per-host
// peaks `byHost`, when the demo API reports them). A Markdown table goes to stdout, everything to
// bench-results/fetch-faults.json. Goals are reported met or not met; the bench never fails on them.
import { mkdir, writeFile } from 'node:fs/promises';
import { HEADERS, jobIdFor, topologyNames } from '@tributary/contracts';
import { sleep } from '@tributary/core';
import { DEFAULT_DELAY_BUCKETS_MS } from '@tributary/messaging';
import amqplib, { type ConsumeMessage } from 'amqplib';
import { useBroker } from '../support/index.ts';
import { freePortRange } from '../support/ports.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  type Child,
  type DemoStats,
  demoStats,
  enqueue,
  resetDemoStats,
  root,
  startDemoApi,
  startFetcher,
  stopChild,
  waitForFirstRequest,
} from './fetch-harness.ts';

const JOBS = Number(process.env.BENCH_FAULTS_JOBS ?? 10_000);
const HOSTS = Number(process.env.BENCH_FAULTS_HOSTS ?? 10);
const SCALING_JOBS = Number(process.env.BENCH_FAULTS_SCALING_JOBS ?? 5_000);
const LIMITS_JOBS = Number(process.env.BENCH_FAULTS_LIMITS_JOBS ?? 600);
const DEAD_WAIT_MS = Number(process.env.BENCH_FAULTS_DEAD_WAIT_S ?? 120) * 1000;
const TIMEOUT_MS = Number(process.env.BENCH_FAULTS_TIMEOUT_S ?? 600) * 1000;
const TRACE = process.env.BENCH_FAULTS_TRACE === '1';
const ROUTE = '/records/:id';
const RESULTS_FILE = root('bench-results/fetch-faults.json');

/** Goals of the summary. */
const GOALS = { makespanExtraS: 3, p99Factor: 1.5, scaling: 2.5, limitsRatio: 1.1 };

interface Scenario {
  name: string;
  replicas: number;
  jobs: number;
  latencyMs: number;
  faults: boolean;
  concurrency: number;
  perHostRate: number;
  perHostConcurrency: number;
  /** Hosts of this scenario; BENCH_FAULTS_HOSTS when absent. */
  hosts?: number;
  /** Which faults: the benchmark's mix, or the tail of a batch on one rate-limited host. */
  mix?: 'bench' | 'tail';
}

const unbounded = { perHostRate: 0, perHostConcurrency: 500 };
const SCENARIOS: Scenario[] = [
  { name: 'clean-1', replicas: 1, jobs: JOBS, latencyMs: 300, faults: false, concurrency: 500, ...unbounded },
  { name: 'faults-1', replicas: 1, jobs: JOBS, latencyMs: 300, faults: true, concurrency: 500, ...unbounded },
  { name: 'clean-3', replicas: 3, jobs: JOBS, latencyMs: 300, faults: false, concurrency: 500, ...unbounded },
  { name: 'faults-3', replicas: 3, jobs: JOBS, latencyMs: 300, faults: true, concurrency: 500, ...unbounded },
  {
    name: 'latency-1',
    replicas: 1,
    jobs: SCALING_JOBS,
    latencyMs: 300,
    faults: false,
    concurrency: 100,
    ...unbounded,
  },
  {
    name: 'latency-3',
    replicas: 3,
    jobs: SCALING_JOBS,
    latencyMs: 300,
    faults: false,
    concurrency: 100,
    ...unbounded,
  },
  {
    // The batch whose tail used to collapse: one host at the default per-host limits (20 requests/s, 16 at once,
    // the default breaker), 900 jobs: 50 answering 500 twice, 20 answering 429 with Retry-After: 2 once, 10
    // corrupt, 20 not found, the rest clean.
    name: 'tail-1',
    replicas: 1,
    jobs: 900,
    latencyMs: 20,
    faults: true,
    concurrency: 200,
    perHostRate: 20,
    perHostConcurrency: 16,
    hosts: 1,
    mix: 'tail',
  },
  {
    name: 'limits-3',
    replicas: 3,
    jobs: LIMITS_JOBS,
    latencyMs: 50,
    faults: false,
    concurrency: 500,
    perHostRate: 20,
    perHostConcurrency: 4,
  },
];

type Fault =
  | 'none'
  | 'fail-500'
  | 'fail-500-twice'
  | 'retry-after-429'
  | 'retry-after-429-2s'
  | 'corrupt'
  | 'not-found';

const FAULT_PARAMS: Record<Fault, string> = {
  none: '',
  'fail-500': '&failFirst=1',
  'fail-500-twice': '&failFirst=2',
  'retry-after-429': '&failFirst=1&failStatus=429&retryAfter=1',
  'retry-after-429-2s': '&failFirst=1&failStatus=429&retryAfter=2',
  corrupt: '&corrupt=1',
  'not-found': '&status=404',
};

/** Faults whose jobs can never succeed: they end as dead letters, outside the makespan. */
const HOPELESS: ReadonlySet<Fault> = new Set(['corrupt', 'not-found']);

/** The fault of URL i: by its rank within its host, so that every host gets the same share. */
function faultOf(i: number, hosts: number, mix: Scenario['mix']): Fault {
  if (mix === 'tail') {
    const k = i % 90;
    if (k < 5) return 'fail-500-twice';
    if (k < 7) return 'retry-after-429-2s';
    if (k < 8) return 'corrupt';
    if (k < 10) return 'not-found';
    return 'none';
  }
  const k = Math.floor(i / hosts);
  if (k % 20 === 0) return 'fail-500';
  if (k % 100 === 1) return 'retry-after-429';
  if (k % 200 === 2) return 'corrupt';
  return 'none';
}

const hostsOf = (scenario: Scenario) => scenario.hosts ?? HOSTS;
const hostName = (i: number, hosts: number) => `127.0.0.${1 + (i % hosts)}`;

interface PlannedJob {
  id: string;
  url: string;
  fault: Fault;
}

function plan(scenario: Scenario, port: number): PlannedJob[] {
  return Array.from({ length: scenario.jobs }, (_, i) => {
    const fault = scenario.faults ? faultOf(i, hostsOf(scenario), scenario.mix) : 'none';
    const url = `http://${hostName(i, hostsOf(scenario))}:${port}/records/${i + 1}?latency=${scenario.latencyMs}&run=${scenario.name}${FAULT_PARAMS[fault]}`;
    return { id: jobIdFor({ url }), url, fault };
  });
}

/** The series of one metric in a Prometheus text exposition, summed by the values of `by` (joined by a space). */
function sumBy(text: string, name: string, by: readonly string[], where: Record<string, string> = {}) {
  const sums: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const labels = new Map(
      [...line.slice(name.length, line.lastIndexOf('}')).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    if (!Object.entries(where).every(([key, want]) => labels.get(key) === want)) continue;
    const key = by.map((label) => labels.get(label) ?? '').join(' ');
    sums[key] = (sums[key] ?? 0) + value;
  }
  return sums;
}

function addInto(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

interface HostPeaks {
  peakPerSecond: number;
  peakInFlight: number;
  perSecondHost: string;
  inFlightHost: string;
}

/** The busiest of our hosts in the demo API's `byHost`, or undefined when the demo API does not report it. */
function worstHost(stats: DemoStats, port: number, hosts: number): HostPeaks | undefined {
  if (stats.byHost === undefined) return undefined;
  const ours = new Set(Array.from({ length: hosts }, (_, i) => `${hostName(i, hosts)}:${port}`));
  const peaks: HostPeaks = { peakPerSecond: 0, peakInFlight: 0, perSecondHost: '', inFlightHost: '' };
  for (const [host, seen] of Object.entries(stats.byHost)) {
    if (!ours.has(host)) continue;
    if ((seen.peakPerSecond ?? 0) > peaks.peakPerSecond) {
      peaks.peakPerSecond = seen.peakPerSecond ?? 0;
      peaks.perSecondHost = host;
    }
    if ((seen.peakInFlight ?? 0) > peaks.peakInFlight) {
      peaks.peakInFlight = seen.peakInFlight ?? 0;
      peaks.inFlightHost = host;
    }
  }
  return peaks;
}

interface ScenarioResult {
  scenario: Scenario;
  goodJobs: number;
  corruptJobs: number;
  /** Good jobs that were dead-lettered after all (they can never succeed). */
  goodDead: number;
  startupS: number;
  makespanS: number;
  jobsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Corrupted jobs dead-lettered, and t0 → the last of them (undefined when none was awaited or came). */
  corruptDead: number;
  corruptDeadAfterS: number | undefined;
  /** Good jobs that waited in a delay queue for a retry (an attempt spent), and the longest such wait. */
  retriedGoodJobs: number;
  retryDelayMaxS: number;
  /** Delay-queue time of deferrals (no attempt spent), summed over all jobs, and jobs deferred. */
  deferredJobs: number;
  deferralDelaySumS: number;
  fetcherRequests: Record<string, number>;
  fetcherDeferrals: Record<string, number>;
  retriedByReason: Record<string, number>;
  demoRequests: number;
  byHost: HostPeaks | undefined;
}

async function runScenario(scenario: Scenario, demo: { url: string; port: number }): Promise<ScenarioResult> {
  await using broker = await useBroker();
  const names = topologyNames('');
  const jobs = plan(scenario, demo.port);
  const good = new Set(jobs.filter((j) => !HOPELESS.has(j.fault)).map((j) => j.id));
  const corrupt = new Set(jobs.filter((j) => HOPELESS.has(j.fault)).map((j) => j.id));
  await enqueue(broker.amqpUrl, jobs);
  await resetDemoStats(demo.url);

  // The bench's own view of the broker: records, dead letters, and a copy of every delayed job.
  const arrivals = new Map<string, number>();
  const deadAt = new Map<string, number>();
  const retryDelayMs = new Map<string, number>();
  const deferralDelayMs = new Map<string, number>();
  const lastAttempt = new Map<string, number>();
  const bucketOf = new Map(DEFAULT_DELAY_BUCKETS_MS.map((ms) => [names.stage('fetch').delayQueue(ms), ms]));
  const watch = await amqplib.connect(broker.amqpUrl);
  const channel = await watch.createChannel();
  const tap = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  for (const delayQueue of bucketOf.keys())
    await channel.bindQueue(tap.queue, names.retryExchange, delayQueue);
  const onMessage =
    (into: (msg: ConsumeMessage, id: string, at: number) => void) => (msg: ConsumeMessage | null) => {
      const id = msg?.properties.messageId as string | undefined;
      if (msg && id !== undefined) into(msg, id, performance.now());
    };
  await channel.consume(
    names.stage('transform').queue,
    onMessage((_, id, at) => {
      if (!arrivals.has(id)) arrivals.set(id, at);
    }),
    { noAck: true },
  );
  await channel.consume(
    names.stage('fetch').deadQueue,
    onMessage((_, id, at) => {
      if (!deadAt.has(id)) deadAt.set(id, at);
    }),
    { noAck: true },
  );
  await channel.consume(
    tap.queue,
    onMessage((msg, id) => {
      const bucket = bucketOf.get(msg.fields.routingKey) ?? 0;
      const attempt = Number(msg.properties.headers?.[HEADERS.attempt] ?? 1);
      // A retry spends an attempt (x-attempt goes up); a deferral keeps it.
      const spent = attempt > (lastAttempt.get(id) ?? 1);
      if (spent) lastAttempt.set(id, attempt);
      const into = spent ? retryDelayMs : deferralDelayMs;
      into.set(id, (into.get(id) ?? 0) + bucket);
    }),
    { noAck: true },
  );

  const firstPort = await freePortRange(scenario.replicas);
  const ports = Array.from({ length: scenario.replicas }, (_, i) => firstPort + i);
  const allowHosts = Array.from(
    { length: Math.min(hostsOf(scenario), scenario.jobs) },
    (_, i) => `${hostName(i, hostsOf(scenario))}:${demo.port}`,
  );
  const spawnedAt = performance.now();
  const fetchers: Child[] = ports.map((port) =>
    startFetcher(broker.amqpUrl, {
      HTTP_PORT: String(port),
      FETCH_ALLOW_HOSTS: allowHosts.join(','),
      FETCH_CONCURRENCY: String(scenario.concurrency),
      FETCH_PER_HOST_RATE: String(scenario.perHostRate),
      FETCH_PER_HOST_CONCURRENCY: String(scenario.perHostConcurrency),
    }),
  );
  try {
    const t0 = await waitForFirstRequest(demo.url, ROUTE, 0, fetchers);
    const settled = (ids: Set<string>) => {
      let n = 0;
      for (const id of ids) if (arrivals.has(id) || deadAt.has(id)) n++;
      return n;
    };
    let lastTraceAt = 0;
    await waitFor(
      () => {
        const done = settled(good);
        if (TRACE && performance.now() - lastTraceAt >= 1_000) {
          lastTraceAt = performance.now();
          console.log(
            `  ${scenario.name} ${fmt((lastTraceAt - t0) / 1000, 1)} s: ${arrivals.size} records, ${deadAt.size} dead`,
          );
        }
        return done >= good.size;
      },
      { timeoutMs: TIMEOUT_MS, intervalMs: 25, what: `${good.size} good jobs to have their records` },
    );
    const completions: number[] = [];
    let goodDead = 0;
    for (const id of good) {
      const at = arrivals.get(id);
      if (at === undefined) goodDead++;
      else completions.push(at - t0);
    }
    completions.sort((a, b) => a - b);
    const makespanMs = completions.at(-1) ?? 0;
    // The corrupted jobs, apart: until each is dead-lettered (or the wait runs out).
    const deadline = performance.now() + DEAD_WAIT_MS;
    while (settled(corrupt) < corrupt.size && performance.now() < deadline) await sleep(100);
    const corruptDeadTimes = [...corrupt].flatMap((id) => {
      const at = deadAt.get(id);
      return at === undefined ? [] : [at - t0];
    });

    const fetcherRequests: Record<string, number> = {};
    const fetcherDeferrals: Record<string, number> = {};
    const retriedByReason: Record<string, number> = {};
    for (const port of ports) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      addInto(fetcherRequests, sumBy(text, 'tributary_fetch_requests_total', ['outcome', 'status_class']));
      addInto(fetcherDeferrals, sumBy(text, 'tributary_fetch_deferred_total', ['reason']));
      addInto(
        retriedByReason,
        sumBy(text, 'tributary_messages_retried_total', ['reason'], { stage: 'fetch' }),
      );
    }
    const stats = await demoStats(demo.url);
    const goodRetryDelays = [...good].map((id) => retryDelayMs.get(id) ?? 0).filter((ms) => ms > 0);
    return {
      scenario,
      goodJobs: good.size,
      corruptJobs: corrupt.size,
      goodDead,
      startupS: (t0 - spawnedAt) / 1000,
      makespanS: makespanMs / 1000,
      jobsPerS: completions.length / (makespanMs / 1000),
      p50Ms: percentile(completions, 0.5),
      p99Ms: percentile(completions, 0.99),
      corruptDead: corruptDeadTimes.length,
      corruptDeadAfterS: corruptDeadTimes.length > 0 ? Math.max(...corruptDeadTimes) / 1000 : undefined,
      retriedGoodJobs: goodRetryDelays.length,
      retryDelayMaxS: Math.max(0, ...goodRetryDelays) / 1000,
      deferredJobs: deferralDelayMs.size,
      deferralDelaySumS: [...deferralDelayMs.values()].reduce((a, b) => a + b, 0) / 1000,
      fetcherRequests,
      fetcherDeferrals,
      retriedByReason,
      demoRequests: stats.total,
      byHost: worstHost(stats, demo.port, hostsOf(scenario)),
    };
  } finally {
    await Promise.all(fetchers.map((f) => stopChild(f.child)));
    await watch.close();
  }
}

const fmt = (n: number | undefined, digits = 2) =>
  n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits);
const counts = (c: Record<string, number>) =>
  Object.keys(c).length === 0
    ? '0'
    : Object.entries(c)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');

function printRuns(results: readonly ScenarioResult[]): void {
  const header = [
    'scenario',
    'replicas × conc',
    'good jobs',
    'makespan s',
    'jobs/s',
    'p50 ms',
    'p99 ms',
    'start → 1st req s',
    'hopeless dead: corrupt, 404 (t0 → last s)',
    'retried good jobs (max retry delay s)',
    'deferred jobs (delay-queue s)',
    'fetcher requests by outcome, status',
    'fetcher deferrals by reason',
    'demo requests',
    'worst host peak/s',
    'worst host peak in flight',
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const r of results) {
    const s = r.scenario;
    console.log(
      `| ${[
        s.name,
        `${s.replicas} × ${s.concurrency}`,
        `${r.goodJobs}${r.goodDead > 0 ? ` (${r.goodDead} dead!)` : ''}`,
        fmt(r.makespanS),
        fmt(r.jobsPerS, 0),
        fmt(r.p50Ms, 0),
        fmt(r.p99Ms, 0),
        fmt(r.startupS),
        r.corruptJobs === 0 ? '-' : `${r.corruptDead}/${r.corruptJobs} (${fmt(r.corruptDeadAfterS, 1)})`,
        `${r.retriedGoodJobs} (${fmt(r.retryDelayMaxS, 0)})`,
        `${r.deferredJobs} (${fmt(r.deferralDelaySumS, 0)})`,
        counts(r.fetcherRequests),
        counts(r.fetcherDeferrals),
        String(r.demoRequests),
        r.byHost ? String(r.byHost.peakPerSecond) : 'n/a',
        r.byHost ? String(r.byHost.peakInFlight) : 'n/a',
      ].join(' | ')} |`,
    );
  }
}

interface Goal {
  what: string;
  value: string;
  goal: string;
  met: boolean | undefined;
}

function goals(results: readonly ScenarioResult[]): Goal[] {
  const by = new Map(results.map((r) => [r.scenario.name, r]));
  const out: Goal[] = [];
  for (const replicas of [1, 3]) {
    const clean = by.get(`clean-${replicas}`);
    const faults = by.get(`faults-${replicas}`);
    if (!clean || !faults) continue;
    const extra = faults.makespanS - clean.makespanS;
    out.push({
      what: `faults-${replicas} − clean-${replicas} makespan`,
      value: `${extra >= 0 ? '+' : ''}${fmt(extra)} s (${fmt(faults.makespanS)} vs ${fmt(clean.makespanS)})`,
      goal: `≤ +${GOALS.makespanExtraS} s`,
      met: extra <= GOALS.makespanExtraS,
    });
    const bound = GOALS.p99Factor * clean.p99Ms + faults.retryDelayMaxS * 1000;
    out.push({
      what: `faults-${replicas} p99 / clean-${replicas} p99`,
      value: `${fmt(faults.p99Ms / clean.p99Ms)} (${fmt(faults.p99Ms, 0)} ms vs ${fmt(clean.p99Ms, 0)} ms; retry delay ${fmt(faults.retryDelayMaxS, 0)} s)`,
      goal: `p99 ≤ ${GOALS.p99Factor} × clean p99 + retry delay = ${fmt(bound, 0)} ms`,
      met: faults.p99Ms <= bound,
    });
  }
  const one = by.get('latency-1');
  const three = by.get('latency-3');
  if (one && three) {
    const ratio = three.jobsPerS / one.jobsPerS;
    out.push({
      what: 'latency-3 / latency-1 throughput',
      value: `${fmt(ratio)} (${fmt(three.jobsPerS, 0)} vs ${fmt(one.jobsPerS, 0)} jobs/s)`,
      goal: `≥ ${GOALS.scaling}`,
      met: ratio >= GOALS.scaling,
    });
  }
  const limits = by.get('limits-3');
  if (limits) {
    const { perHostRate, perHostConcurrency } = limits.scenario;
    const peaks = limits.byHost;
    const rate = peaks ? peaks.peakPerSecond / perHostRate : undefined;
    const inFlight = peaks ? peaks.peakInFlight / perHostConcurrency : undefined;
    out.push({
      what: `limits-3 worst host peakPerSecond / ${perHostRate}`,
      value: peaks
        ? `${fmt(rate)} (${peaks.peakPerSecond} at ${peaks.perSecondHost})`
        : 'n/a (no byHost in /stats)',
      goal: `≤ ${GOALS.limitsRatio}`,
      met: rate === undefined ? undefined : rate <= GOALS.limitsRatio,
    });
    out.push({
      what: `limits-3 worst host peakInFlight / ${perHostConcurrency}`,
      value: peaks
        ? `${fmt(inFlight)} (${peaks.peakInFlight} at ${peaks.inFlightHost})`
        : 'n/a (no byHost in /stats)',
      goal: `≤ ${GOALS.limitsRatio}`,
      met: inFlight === undefined ? undefined : inFlight <= GOALS.limitsRatio,
    });
  }
  return out;
}

async function main(): Promise<void> {
  const chosen = (process.env.BENCH_FAULTS_SCENARIOS ?? SCENARIOS.map((s) => s.name).join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = chosen.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  if (HOSTS < 1 || HOSTS > 254) throw new Error('BENCH_FAULTS_HOSTS must be 1..254');
  const demo = await startDemoApi({ DEMO_HOST: '0.0.0.0' });
  const results: ScenarioResult[] = [];
  try {
    console.log(
      `fetch faults benchmark: ${HOSTS} hosts 127.0.0.1…127.0.0.${HOSTS} on one demo API (port ${demo.port}, child process); scenarios ${chosen.join(', ')}`,
    );
    console.log(
      'time: t0 = the first request at the demo API (all jobs enqueued before the fetchers start); completion = RawRecord in transform.raw − t0; makespan over the jobs that can succeed',
    );
    for (const name of SCENARIOS.filter((s) => chosen.includes(s.name))) {
      const result = await runScenario(name, demo);
      results.push(result);
      console.log(
        `  ${name.name}: ${fmt(result.makespanS)} s, p99 ${fmt(result.p99Ms, 0)} ms, ${result.demoRequests} requests`,
      );
      await sleep(1_000);
    }
  } finally {
    await stopChild(demo.child);
  }
  console.log('');
  printRuns(results);
  const summary = goals(results);
  if (summary.length > 0) {
    console.log('');
    console.log('| goal | value | target | met |');
    console.log('|---|---|---|---|');
    for (const g of summary) {
      console.log(
        `| ${g.what} | ${g.value} | ${g.goal} | ${g.met === undefined ? 'n/a' : g.met ? 'met' : 'not met'} |`,
      );
    }
  }
  await mkdir(root('bench-results'), { recursive: true });
  await writeFile(
    RESULTS_FILE,
    `${JSON.stringify({ at: new Date().toISOString(), hosts: HOSTS, results, goals: summary }, null, 2)}\n`,
  );
  console.log('');
  console.log(`written: ${RESULTS_FILE}`);
}

await main();
