import type { ContentOptions } from '@tributary/demo-api';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { TestPipeline } from '../support/pipeline.ts';
import { expectedStore, type Revisions } from '../support/workload/expected-store.ts';
import {
  byStageAndReason,
  differences,
  expectedBatchCounts,
  observeState,
  readStore,
  STAGES,
} from '../support/workload/final-state.ts';
import { buildWorkload, WORKLOAD_FETCH_SETTINGS, type Workload } from '../support/workload/workload.ts';

// The whole pipeline as users run it (the launcher of `tributary up`, every service a process of its own, the
// real broker, database and demo API), given work and followed with the `tributary` command. What it must end
// with is computed here without it: the bodies from the demo API's generators, the chunks from the transform
// package run in this process.

const SEED = 20_261_204;
const DEMO_HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

let pipeline: TestPipeline;
let workload: Workload;

/** A pipeline of its own, and the workload of `jobs` jobs on the demo API it runs. */
async function startWithWorkload(size: {
  jobs: number;
  perFault: number;
  duplicates: number;
}): Promise<void> {
  pipeline = await TestPipeline.start({
    transformWorkers: 2,
    extraDemoHosts: DEMO_HOSTS.slice(1),
    env: { ...WORKLOAD_FETCH_SETTINGS },
  });
  workload = buildWorkload({
    origins: DEMO_HOSTS.map((host) => `http://${host}:${pipeline.demoPort}`),
    ...size,
    seed: SEED,
  });
}

function showOutputOnFailure(): void {
  onTestFailed(() => {
    process.stderr.write(`the processes' last output lines:\n${pipeline.lastLines(120)}\n`);
  });
}

async function enqueueAndWait(batch: string): Promise<void> {
  const enqueued = await pipeline.cli(['enqueue', '-', '--batch', batch, '--json'], {
    stdin: `${workload.lines.join('\n')}\n`,
  });
  expect(enqueued.code, enqueued.stderr).toBe(0);
  expect(JSON.parse(enqueued.stdout)).toMatchObject({
    published: workload.jobs.length,
    duplicates: workload.duplicateLines,
    invalid: 0,
  });
  const waited = await pipeline.cli(['batch', 'wait', batch, '--json', '--timeout', '300'], {
    timeoutMs: 320_000,
  });
  // Exit 1: the batch ended with dead-lettered jobs, as the workload wants.
  expect(waited.code, `${waited.stdout}\n${waited.stderr}`).toBe(1);
}

describe('the whole pipeline, end to end', () => {
  beforeAll(() => startWithWorkload({ jobs: 2_000, perFault: 6, duplicates: 40 }), 180_000);
  afterAll(() => pipeline?.stop());

  it('stores exactly the expected sources and chunks and dead-letters exactly the failed jobs, by stage and reason', async () => {
    showOutputOnFailure();
    await enqueueAndWait('e2e-first');
    const expected = await expectedStore(workload.jobs);
    const observed = await observeState(pipeline, 'e2e-first');
    expect(differences(workload.jobs, expected, observed)).toEqual({
      lost: [],
      duplicated: [],
      extraDeadLetterCopies: [],
      wrong: [],
    });
    expect(observed.sources.size).toBe(expected.sources.size);
    expect(observed.documents.size).toBe(expected.documents.size);

    const counts = expectedBatchCounts(workload.jobs);
    expect({ ...observed.batch, deadBy: [...observed.batch.deadBy].sort(byStageAndReason) }).toMatchObject({
      ...counts,
      unchanged: 0,
    });
    const letters = new Map<string, number>();
    for (const letter of observed.deadLetters) {
      const key = `${letter.stage}/${letter.reason}`;
      letters.set(key, (letters.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(letters)).toEqual(
      Object.fromEntries(counts.deadBy.map(({ stage, reason, count }) => [`${stage}/${reason}`, count])),
    );
  });
});

describe('re-ingestion', () => {
  // Its own, smaller store: on FerretDB's SQLite backend, rewriting a source that is already stored costs time
  // in proportion to the store's size (README, Writer; docs/architecture.md §10), and this suite runs in CI.
  beforeAll(() => startWithWorkload({ jobs: 400, perFault: 2, duplicates: 10 }), 180_000);
  afterAll(() => pipeline?.stop());

  it('a second batch of the same jobs: exactly the revised sources change, their stale chunks go, the rest stays', async () => {
    showOutputOnFailure();
    await enqueueAndWait('first');
    for (const stage of STAGES) {
      const purged = await pipeline.cli(['dead', 'purge', '--stage', stage, '--yes']);
      expect(purged.code, purged.stderr).toBe(0);
    }
    const before = await readStore(pipeline.db);
    const storedJobs = workload.jobs.filter((job) => job.kind === 'clean');
    // Fewer paragraphs for some pages (fewer chunks: stale ones must go), a new version for some records.
    const revisions: Revisions = new Map<string, ContentOptions>([
      ...storedJobs
        .filter((job) => job.route === 'pages')
        .slice(0, 8)
        .map((job): [string, ContentOptions] => [`pages/${job.contentId}`, { paragraphs: 2 }]),
      ...storedJobs
        .filter((job) => job.route === 'records')
        .slice(0, 8)
        .map((job): [string, ContentOptions] => [`records/${job.contentId}`, { version: 2 }]),
    ]);
    for (const [path, options] of revisions) {
      const query = new URLSearchParams({ path: `/${path}` });
      for (const [key, value] of Object.entries(options)) query.set(key, String(value));
      const revised = await fetch(`${pipeline.demoUrl}/control/revise?${query}`, { method: 'POST' });
      expect(revised.status).toBe(200);
    }

    await enqueueAndWait('second');
    const expected = await expectedStore(workload.jobs, revisions);
    const observed = await observeState(pipeline, 'second');
    expect(differences(workload.jobs, expected, observed)).toEqual({
      lost: [],
      duplicated: [],
      extraDeadLetterCopies: [],
      wrong: [],
    });

    const revisedIds = new Set(
      workload.jobs.filter((job) => revisions.has(`${job.route}/${job.contentId}`)).map((job) => job.jobId),
    );
    const changed = [...observed.sources.values()]
      .filter((source) => before.sources.get(source._id)?.contentHash !== source.contentHash)
      .map((source) => source._id);
    expect(new Set(changed)).toEqual(revisedIds);
    const shrunk = [...revisedIds].filter(
      (id) => (observed.sources.get(id)?.chunkCount ?? 0) < (before.sources.get(id)?.chunkCount ?? 0),
    );
    expect(shrunk.length, 'revised pages with fewer chunks than before').toBeGreaterThan(0);
    for (const [id, document] of before.documents) {
      if (!revisedIds.has(document.jobId)) expect(observed.documents.get(id)).toEqual(document);
    }
  }, 300_000);
});
